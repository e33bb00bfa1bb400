"""Hidden tests of the rw-lock exercise: one RWLock used from threads of the tests' own."""
import threading
import time
import unittest

from rwlock import RWLock

# Evaluated on the student's side: whether a thread of their process is in a function of theirs
# of this name right now (a call of the tests has reached their code and has not returned yet).
# Their code is in their files; the frames of the code that serves the tests' calls say <string>.
INSIDE = ("any(f.f_code.co_name == %r and f.f_code.co_filename != '<string>'"
          " for top in __import__('sys')._current_frames().values()"
          " for f, _ in __import__('traceback').walk_stack(top))")


def student_eval():
    """The student process's own eval(), reached through their class whatever their module imports."""
    builtins = RWLock.acquire_read.__globals__["__builtins__"]
    try:
        return builtins["eval"]
    except TypeError:
        return builtins.eval


def started(call):
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


def waits(thread, function, seconds, patience=3.0):
    """Whether the call running in `thread` waits: it is still running `seconds` after it was seen
    inside the student's `function` (a call that must not wait returns long before then). On a busy
    machine, starting a thread and getting the call across can take a while: a wait counted from
    start() would judge that instead. (Not seen there within `patience`: counted from then.)"""
    evaluate = student_eval()
    deadline = time.monotonic() + patience
    while thread.is_alive() and time.monotonic() < deadline:
        try:
            if evaluate(INSIDE % function):
                break
        except Exception:
            break  # cannot look inside: judge by time alone
        thread.join(0.02)
    thread.join(seconds)
    return thread.is_alive()


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
        if not waits(writer, "acquire_write", 1.0):
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
        if not waits(reader, "acquire_read", 1.0):
            self.fail("acquire_read() returned while a writer held the lock")
        if not waits(other_writer, "acquire_write", 0.2):
            self.fail("a second acquire_write() returned while a writer held the lock")
        lock.release_write()
        for thread in (reader, other_writer):
            thread.join(3)
        if reader.is_alive() and other_writer.is_alive():
            self.fail("the writer released the lock, but neither the waiting reader nor the waiting writer went on (3s)")


if __name__ == "__main__":
    unittest.main()
