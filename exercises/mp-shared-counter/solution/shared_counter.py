"""Several processes increment one counter in shared memory."""
import sys
import time
from multiprocessing import Process, Value

# Given: each increment takes a moment, as real work between reading and writing would, so a
# race shows up in every run on a quiet machine as on a busy one. Keep it as it is.
DELAY = 0.0005


def add_one(value):
    time.sleep(DELAY)
    return value + 1


def work(counter, increments):
    """Runs in each worker process: adds one to the shared counter `increments` times."""
    for _ in range(increments):
        # The Value's own lock guards each read and each write on its own; holding it around
        # the whole step keeps another process from writing between this one's read and write.
        with counter.get_lock():
            counter.value = add_one(counter.value)


def main():
    processes, increments = int(sys.argv[1]), int(sys.argv[2])
    counter = Value("i", 0)
    workers = [Process(target=work, args=(counter, increments)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(counter.value)


if __name__ == "__main__":
    main()
