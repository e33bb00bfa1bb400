"""Go-style channels between threads, and a select that waits on several of them at once."""
import sys
import threading
from collections import deque


class Channel:
    """Items sent by any thread come out of recv() in the order they were sent."""

    def __init__(self):
        self.items = deque()
        # TODO: whatever lets a receiver, or a select over several channels, sleep until a send.

    def send(self, item):
        """Adds `item` (never waits: a channel holds any number of items)."""
        # TODO
        self.items.append(item)

    def recv(self):
        """Removes and returns the oldest item; waits (without using the CPU) until there is one."""
        # TODO
        return self.items.popleft()


def select(channels):
    """Waits (without using the CPU) until at least one of `channels` (a list) holds an item,
    then removes the oldest item of one of them and returns (its index in the list, the item).
    When several hold items, take turns: start looking just after the index chosen last time."""
    # TODO
    for index, channel in enumerate(channels):
        if channel.items:
            return index, channel.items.popleft()


def main():
    # python3 channels.py: two producers on two channels, one consumer selecting over both.
    numbers, words = Channel(), Channel()
    threading.Thread(target=lambda: [numbers.send(n) for n in range(5)]).start()
    threading.Thread(target=lambda: [words.send(w) for w in "the quick brown fox jumps".split()]).start()
    for _ in range(10):
        print(*select([numbers, words]))


if __name__ == "__main__":
    main()
