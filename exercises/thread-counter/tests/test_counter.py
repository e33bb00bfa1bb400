"""Hidden tests of the thread-counter exercise: Counter used from threads of the test's own."""
import sys
import threading
import unittest

from counter import Counter


def hammer(counter, threads, increments):
    def work():
        for _ in range(increments):
            counter.increment()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


class TestThreads(unittest.TestCase):
    def setUp(self):
        # As in counter.py: switch threads very often, so that a race shows in every run.
        sys.setswitchinterval(1e-5)

    def test_concurrent_increments_are_never_lost(self):
        for attempt in range(3):
            counter = Counter()
            hammer(counter, 8, 5000)
            self.assertEqual(counter.value, 40000,
                             f"8 threads of the tests' own called increment() 5000 times each (attempt {attempt + 1} of 3):"
                             " Counter.increment itself must be safe, whoever calls it")


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
