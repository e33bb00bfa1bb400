"""Runs jobs on a pool of threads with concurrent.futures."""
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

# Given: how many jobs are inside work() right now, and the most there ever were at once.
# The hidden tests read them. Keep work() as it is and run every job through it.
running = 0
most_at_once = 0
_count_lock = threading.Lock()


def work(job):
    """A job is a pair (name, seconds): it takes that long and returns the name in capitals.
    A job whose name starts with "bad" fails with ValueError at the end."""
    global running, most_at_once
    name, seconds = job
    with _count_lock:
        running += 1
        most_at_once = max(most_at_once, running)
    try:
        time.sleep(seconds)
        if name.startswith("bad"):
            raise ValueError("job %r failed" % name)
        return name.upper()
    finally:
        with _count_lock:
            running -= 1


def results_in_order(jobs, workers):
    """Runs the jobs on a pool of `workers` threads; returns their results in the order of `jobs`.
    If a job raises, raises its exception."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(work, job) for job in jobs]
        # A failed job must not stop the others: leave it out.
        return [future.result() for future in futures if future.exception() is None]


def results_as_completed(jobs, workers):
    """Runs the jobs on a pool of `workers` threads; returns their results in the order the jobs
    finish, the quickest first. If a job raises, raises its exception."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(work, job) for job in jobs]
        return [future.result() for future in as_completed(futures) if future.exception() is None]


def main():
    # python3 futures_jobs.py WORKERS NAME:SECONDS ...
    workers = int(sys.argv[1])
    jobs = [(name, float(seconds)) for name, seconds in (arg.split(":") for arg in sys.argv[2:])]
    print("in order:", results_in_order(jobs, workers))
    print("as completed:", results_as_completed(jobs, workers))


if __name__ == "__main__":
    main()
