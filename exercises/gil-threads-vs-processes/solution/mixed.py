"""CPU-bound work in processes, I/O-bound work in threads: the right pool for each."""
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def crunch(n):
    """Given, CPU-bound: pure Python arithmetic, n steps of it."""
    total = 0
    for i in range(n):
        total = (total + i * i) % 1000003
    return total


# Given: how many downloads are under way right now, and the most there ever were at once.
# The hidden tests read them. Keep download() as it is.
running = 0
most_at_once = 0
_count_lock = threading.Lock()


def download(seconds):
    """Given, I/O-bound: waits `seconds` as for a slow server, using no CPU; returns a message."""
    global running, most_at_once
    with _count_lock:
        running += 1
        most_at_once = max(most_at_once, running)
    try:
        time.sleep(seconds)
        return "waited %.1fs" % seconds
    finally:
        with _count_lock:
            running -= 1


def cpu_all(numbers, workers):
    """crunch(n) for every n in `numbers`, in order, run in parallel by `workers` workers."""
    # Threads of one process take turns holding the interpreter lock while they run Python
    # code; processes each have their own, so only they compute in parallel.
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(crunch, numbers))


def io_all(delays, workers):
    """download(s) for every s in `delays`, in order, `workers` of them under way at once."""
    # A thread that waits releases the interpreter lock, so threads wait together; they also
    # share this process's memory (the counters), which a process pool would not.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(download, delays))


def main():
    started = time.perf_counter()
    print(cpu_all([2_000_000] * 4, 2))
    print(io_all([0.5] * 8, 8))
    print("%.1fs" % (time.perf_counter() - started))


if __name__ == "__main__":
    main()
