"""Lets any number of threads run jobs, but only a few of them at the same time."""
import sys
import threading
import time

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


class Limiter:
    """Runs jobs for any number of threads, at most `limit` of them at once."""

    def __init__(self, limit):
        self.limit = limit
        # TODO

    def run(self, job):
        """Runs `job` through work() as soon as fewer than `limit` jobs are running; returns
        its result, or raises the exception it raised."""
        # TODO: wait for a free place, run the job, give the place back whatever happens.
        return work(job)


def main():
    # python3 limiter.py LIMIT JOBS: JOBS threads of 0.2s each share a limiter.
    limit, count = int(sys.argv[1]), int(sys.argv[2])
    limiter = Limiter(limit)
    threads = [threading.Thread(target=limiter.run, args=(("job %d" % i, 0.2),)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("at most", most_at_once, "at once")


if __name__ == "__main__":
    main()
