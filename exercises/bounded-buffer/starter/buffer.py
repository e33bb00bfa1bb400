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
        # TODO: a threading.Condition (or two) to wait on.

    def put(self, item):
        """Adds `item`; while the buffer is full, waits until a get() makes room."""
        # TODO: wait while full, without using the CPU.
        self.items.append(item)

    def get(self):
        """Removes and returns the oldest item; while the buffer is empty, waits until a put()."""
        # TODO: wait while empty, without using the CPU.
        return self.items.popleft()

    def __len__(self):
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
