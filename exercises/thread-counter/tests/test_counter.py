"""Hidden tests of the thread-counter exercise: Counter used from threads of the test's own."""
import threading
import unittest

import counter as module
from counter import Counter


def hammer(counter, threads, increments):
    # All threads start their increments together: on a busy machine, starting a thread can take
    # longer than another thread's whole loop, and threads that never overlap cannot race.
    ready = threading.Barrier(threads)

    def work():
        ready.wait()
        for _ in range(increments):
            counter.increment()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


class TestThreads(unittest.TestCase):
    def setUp(self):
        # The given PAUSE makes checked() take a moment, so another thread runs between the
        # read and the write of every unlocked increment: a counter without a lock of its own
        # loses increments in every run, on any machine; with a lock the others only wait.
        module.PAUSE = 0.0002

    def tearDown(self):
        module.PAUSE = 0.0

    def test_concurrent_increments_are_never_lost(self):
        counter = Counter()
        hammer(counter, 8, 100)
        self.assertEqual(counter.value, 800,
                         "8 threads of the tests' own called increment() 100 times each at once, with checked() taking a moment:"
                         " Counter.increment itself must be safe, whoever calls it (keep the given PAUSE and checked as they are)")


class TestFailures(unittest.TestCase):
    def test_negative_value_is_still_refused(self):
        counter = Counter()
        counter.value = -1
        with self.assertRaises(ValueError, msg="increment() of a counter at -1 must still go through checked(), which raises ValueError"):
            counter.increment()

    def test_failed_increment_releases_the_lock(self):
        counter = Counter()
        counter.value = -1
        try:
            counter.increment()
        except ValueError:
            pass
        counter.value = 0
        later = threading.Thread(target=counter.increment, daemon=True)
        later.start()
        later.join(2)
        self.assertFalse(later.is_alive(),
                         "after an increment() raised ValueError, the next increment() waited forever:"
                         " the lock was never released (use `with lock:` or try/finally)")
        self.assertEqual(counter.value, 1, "increment() after a failed one")


if __name__ == "__main__":
    unittest.main()
