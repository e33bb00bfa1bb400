"""A counter that many threads increment at once without losing an update."""
import sys
import threading
import time

# Given: switch threads very often, so races show up in every test run as they would under load.
sys.setswitchinterval(1e-5)


# Given: the hidden tests set PAUSE to make checked() take a moment, so that a race shows up
# in every run however busy the machine is. Keep it as it is.
PAUSE = 0.0


def checked(value):
    if PAUSE:
        time.sleep(PAUSE)
    if value < 0:
        raise ValueError("the counter went negative")
    return value + 1


class Counter:
    def __init__(self):
        self.value = 0
        self._lock = threading.Lock()

    def increment(self):
        self._lock.acquire()
        self.value = checked(self.value)
        self._lock.release()


def main():
    threads, increments = int(sys.argv[1]), int(sys.argv[2])
    counter = Counter()

    def work():
        for _ in range(increments):
            counter.increment()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(counter.value)


if __name__ == "__main__":
    main()
