"""Runs jobs in threads of their own and collects their results."""
import sys
import threading
import time

# Given: how many jobs are inside work() right now, and the most there ever were at once.
# The hidden tests read them. Keep work() as it is and call it for every job.
running = 0
most_at_once = 0
_count_lock = threading.Lock()


def work(job):
    """One job is a pair (name, seconds): it takes that long and returns the name in capitals."""
    global running, most_at_once
    name, seconds = job
    with _count_lock:
        running += 1
        most_at_once = max(most_at_once, running)
    try:
        time.sleep(seconds)
        return name.upper()
    finally:
        with _count_lock:
            running -= 1


def run_all(jobs):
    """Runs every job in a thread of its own, all at the same time; returns their results in the order of `jobs`."""
    # Each thread writes to a slot of its own, so the results keep the order of the jobs
    # whichever thread finishes first.
    results = [None] * len(jobs)

    def run(index, job):
        results[index] = work(job)

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
        thread.join()
    return results


def main():
    # python3 jobs.py NAME:SECONDS ...   e.g.  python3 jobs.py slow:0.6 quick:0.1
    jobs = [(name, float(seconds)) for name, seconds in (arg.split(":") for arg in sys.argv[1:])]
    for result in run_all(jobs):
        print(result)


if __name__ == "__main__":
    main()
