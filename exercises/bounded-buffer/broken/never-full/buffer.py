"""A buffer of limited capacity shared by producer and consumer threads."""
import sys
import threading
from collections import deque


class BoundedBuffer:
    """Holds at most `capacity` items, handed out first in, first out."""

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("the capacity must be at least 1")
        self.capacity = capacity
        self.items = deque()
        # Two conditions on one lock: producers wait for room, consumers for an item, and each
        # side wakes only the threads that can now go on.
        self.lock = threading.Lock()
        self.not_full = threading.Condition(self.lock)
        self.not_empty = threading.Condition(self.lock)

    def put(self, item):
        """Adds `item`; while the buffer is full, waits until a get() makes room."""
        with self.not_full:
            # `while`, not `if`: another producer may fill the room before this one wakes.
            self.items.append(item)
            self.not_empty.notify()

    def get(self):
        """Removes and returns the oldest item; while the buffer is empty, waits until a put()."""
        with self.not_empty:
            while not self.items:
                self.not_empty.wait()
            item = self.items.popleft()
            self.not_full.notify()
            return item

    def __len__(self):
        with self.lock:
            return len(self.items)


def main():
    # python3 buffer.py CAPACITY ITEMS: one producer and one consumer pass ITEMS numbers along.
    capacity, count = int(sys.argv[1]), int(sys.argv[2])
    buffer = BoundedBuffer(capacity)
    received = []
    consumer = threading.Thread(target=lambda: received.extend(buffer.get() for _ in range(count)))
    consumer.start()
    for number in range(count):
        buffer.put(number)
    consumer.join()
    print(sum(received), "received in order" if received == list(range(count)) else "out of order")


if __name__ == "__main__":
    main()
