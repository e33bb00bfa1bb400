"""A readers-writer lock: many readers at once, or one writer alone."""
import sys
import threading
import time


class RWLock:
    """Any number of readers may hold the lock together; a writer holds it alone."""

    def __init__(self):
        # One condition guards both counts; every change that may let someone in notifies all,
        # and each waiter checks again what it waits for.
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False

    def acquire_read(self):
        """Waits while a writer holds the lock, then enters as one more reader."""
        with self._changed:
            while self._writing:
                self._changed.wait()
            self._readers += 1

    def release_read(self):
        """Leaves as a reader; the last reader out lets a waiting writer in."""
        with self._changed:
            self._readers -= 1
            if self._readers == 0:
                self._changed.notify_all()

    def acquire_write(self):
        """Waits until no reader and no other writer holds the lock, then holds it alone."""
        with self._changed:
            while self._writing or self._readers:
                self._changed.wait()
            self._writing = True

    def release_write(self):
        """Leaves as the writer; waiting readers or writers may go on."""
        with self._changed:
            self._writing = False
            self._changed.notify_all()


def main():
    # python3 rwlock.py: three readers read together, then a writer writes alone.
    lock, log = RWLock(), []

    def reader(name):
        lock.acquire_read()
        log.append(name + " in")
        time.sleep(0.2)
        log.append(name + " out")
        lock.release_read()

    def writer():
        time.sleep(0.05)
        lock.acquire_write()
        log.append("writer in")
        log.append("writer out")
        lock.release_write()

    threads = [threading.Thread(target=reader, args=("reader %d" % i,)) for i in range(3)]
    threads.append(threading.Thread(target=writer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("\n".join(log))


if __name__ == "__main__":
    main()
