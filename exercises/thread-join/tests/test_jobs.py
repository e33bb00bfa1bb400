"""Hidden tests of the thread-join exercise: run_all() called with jobs of different lengths."""
import time
import unittest

import jobs as module
from jobs import run_all


def wait_until_idle(limit=10.0):
    """Waits until no job is inside work() (threads left running by a run_all that returned early)."""
    deadline = time.monotonic() + limit
    while module.running and time.monotonic() < deadline:
        time.sleep(0.05)


class TestResults(unittest.TestCase):
    def test_every_result_is_there(self):
        jobs = [("ant", 0.3), ("bee", 0.5), ("cat", 0.4)]
        results = run_all(jobs)
        wait_until_idle()
        self.assertIsInstance(results, list, "run_all() must return a list")
        self.assertCountEqual(results, ["ANT", "BEE", "CAT"],
                              "run_all(%r) returned %r: every job's result must be in it when run_all() returns,"
                              " so wait for every thread (join) before returning" % (jobs, results))


class TestOrder(unittest.TestCase):
    def test_results_keep_the_order_of_the_jobs(self):
        # The first job takes longest: threads finish in the reverse order of the jobs.
        jobs = [("first", 0.9), ("second", 0.6), ("third", 0.3)]
        results = run_all(jobs)
        wait_until_idle()
        self.assertEqual(results, ["FIRST", "SECOND", "THIRD"],
                         "run_all(%r): the results must be in the order of the jobs, not the order in which"
                         " their threads finished" % (jobs,))


class TestAtOnce(unittest.TestCase):
    def test_all_jobs_run_at_the_same_time(self):
        wait_until_idle()
        module.most_at_once = 0
        jobs = [("a", 0.6), ("b", 0.6), ("c", 0.6), ("d", 0.6)]
        run_all(jobs)
        wait_until_idle()
        self.assertEqual(module.most_at_once, 4,
                         "run_all() of 4 jobs of 0.6s each: at most %d of them were inside work() at once;"
                         " start every thread first, then wait for them all" % module.most_at_once)


if __name__ == "__main__":
    unittest.main()
