"""Hidden tests of the rw-lock exercise: one RWLock used from threads of the tests' own."""
import threading
import unittest

from rwlock import RWLock


def started(call):
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


class TestReaders(unittest.TestCase):
    def test_readers_share_the_lock(self):
        lock = RWLock()
        lock.acquire_read()
        second = started(lock.acquire_read)
        second.join(3)
        if second.is_alive():
            self.fail("while one reader held the lock, a second acquire_read() waited (3s): readers must be"
                      " able to read at the same time")
        lock.release_read()
        lock.release_read()
        writer = started(lock.acquire_write)
        writer.join(3)
        if writer.is_alive():
            self.fail("after both readers released the lock, acquire_write() still waited (3s)")
        lock.release_write()


class TestWriters(unittest.TestCase):
    def test_writer_waits_for_the_reader(self):
        lock = RWLock()
        lock.acquire_read()
        writer = started(lock.acquire_write)
        writer.join(1)
        if not writer.is_alive():
            self.fail("acquire_write() returned while a reader held the lock: a writer must wait until"
                      " every reader has left")
        lock.release_read()
        writer.join(3)
        if writer.is_alive():
            self.fail("the last reader released the lock, but the waiting acquire_write() did not go on (3s):"
                      " the last reader out must wake the writers")
        lock.release_write()

    def test_readers_and_writers_wait_for_a_writer(self):
        lock = RWLock()
        lock.acquire_write()
        reader = started(lock.acquire_read)
        other_writer = started(lock.acquire_write)
        reader.join(1)
        other_writer.join(0.1)
        if not reader.is_alive():
            self.fail("acquire_read() returned while a writer held the lock")
        if not other_writer.is_alive():
            self.fail("a second acquire_write() returned while a writer held the lock")
        lock.release_write()
        for thread in (reader, other_writer):
            thread.join(3)
        if reader.is_alive() and other_writer.is_alive():
            self.fail("the writer released the lock, but neither the waiting reader nor the waiting writer went on (3s)")


if __name__ == "__main__":
    unittest.main()
