"""Hidden tests of the semaphore-limit exercise: one Limiter shared by threads of the tests' own."""
import threading
import time
import unittest

import limiter as module
from limiter import Limiter


def run_in_threads(limiter, jobs, patience):
    """Runs each job with limiter.run in a daemon thread; returns (results by job, threads still running)."""
    results = {}
    # All threads call run() together: on a busy machine, starting a thread can take longer than
    # a job, and jobs that never overlap say nothing about a limit.
    ready = threading.Barrier(len(jobs))

    def one(job):
        ready.wait()
        try:
            results[job] = limiter.run(job)
        except ValueError as error:
            results[job] = error

    threads = [threading.Thread(target=one, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + patience
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return results, [thread for thread in threads if thread.is_alive()]


class TestLimit(unittest.TestCase):
    def test_at_most_the_limit_at_once(self):
        module.most_at_once = 0
        limiter = Limiter(3)
        jobs = [("job %d" % i, 0.4) for i in range(8)]
        results, stuck = run_in_threads(limiter, jobs, 10.0)
        if stuck:
            self.fail("8 jobs of 0.4s with a limit of 3 did not finish within 10s")
        self.assertEqual(results, {job: job[0].upper() for job in jobs}, "what run() returned for each job")
        most = module.most_at_once
        if most > 3:
            self.fail("8 threads called run() at once on a Limiter(3): %d jobs ran at the same"
                      " time, more than the limit" % most)
        if most < 3:
            self.fail("8 threads called run() at once on a Limiter(3): only %d job(s) ran at the same"
                      " time; up to 3 may" % most)


class TestErrors(unittest.TestCase):
    def test_a_failed_job_gives_its_place_back(self):
        limiter = Limiter(2)
        for attempt in range(2):
            with self.assertRaises(ValueError, msg="run(('bad', 0.05)): the job's ValueError must reach the caller"):
                limiter.run(("bad", 0.05))
        results, stuck = run_in_threads(limiter, [("after", 0.05)], 3.0)
        if stuck:
            self.fail("after two jobs failed on a Limiter(2), run(('after', 0.05)) waited forever:"
                      " a job that raises must still give its place back (use `with` or try/finally)")
        self.assertEqual(results, {("after", 0.05): "AFTER"}, "run(('after', 0.05)) after two failed jobs")


if __name__ == "__main__":
    unittest.main()
