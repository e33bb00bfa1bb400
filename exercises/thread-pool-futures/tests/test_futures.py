"""Hidden tests of the thread-pool-futures exercise: both functions called with jobs of different lengths."""
import time
import unittest

import futures_jobs as module
from futures_jobs import results_as_completed, results_in_order


def most_at_once_during(function, jobs, workers):
    deadline = time.monotonic() + 5
    while module.running and time.monotonic() < deadline:
        time.sleep(0.05)
    module.most_at_once = 0
    results = function(jobs, workers)
    return results, module.most_at_once


# The first job takes longest: with the jobs running at once they finish last to first.
JOBS = [("slow", 0.9), ("medium", 0.5), ("quick", 0.1)]


class TestInOrder(unittest.TestCase):
    def test_results_in_the_order_of_the_jobs(self):
        results, most = most_at_once_during(results_in_order, JOBS, 3)
        self.assertEqual(results, ["SLOW", "MEDIUM", "QUICK"], "results_in_order(%r, 3)" % (JOBS,))
        if most != 3:
            self.fail("results_in_order(%r, 3): %d job(s) ran at once; with 3 workers all 3 must: hand every job"
                      " to the pool before waiting for any result" % (JOBS, most))

    def test_uses_the_number_of_workers(self):
        jobs = [("job %d" % i, 0.4) for i in range(5)]
        results, most = most_at_once_during(results_in_order, jobs, 2)
        self.assertEqual(results, ["JOB 0", "JOB 1", "JOB 2", "JOB 3", "JOB 4"], "results_in_order of 5 jobs, 2 workers")
        if most != 2:
            self.fail("results_in_order of 5 jobs of 0.4s with 2 workers: %d ran at once; the pool must have"
                      " exactly `workers` threads" % most)


class TestAsCompleted(unittest.TestCase):
    def test_results_as_they_finish(self):
        results, most = most_at_once_during(results_as_completed, JOBS, 3)
        if most != 3:
            self.fail("results_as_completed(%r, 3): %d job(s) ran at once; with 3 workers all 3 must: submit every"
                      " job before waiting for any result" % (JOBS, most))
        self.assertEqual(results, ["QUICK", "MEDIUM", "SLOW"],
                         "results_as_completed(%r, 3): the quickest job's result first" % (JOBS,))


class TestErrors(unittest.TestCase):
    def test_in_order_raises_the_jobs_exception(self):
        with self.assertRaises(ValueError, msg="results_in_order([('fine', 0.1), ('bad luck', 0.1)], 2): the failed"
                                               " job's ValueError must reach the caller"):
            results_in_order([("fine", 0.1), ("bad luck", 0.1)], 2)

    def test_as_completed_raises_the_jobs_exception(self):
        with self.assertRaises(ValueError, msg="results_as_completed([('bad luck', 0.1), ('fine', 0.2)], 2): the"
                                               " failed job's ValueError must reach the caller"):
            results_as_completed([("bad luck", 0.1), ("fine", 0.2)], 2)


if __name__ == "__main__":
    unittest.main()
