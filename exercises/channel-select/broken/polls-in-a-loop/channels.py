"""Go-style channels between threads, and a select that waits on several of them at once."""
import sys
import threading
from collections import deque


# One condition shared by every channel: a send wakes whoever waits on any channel, and a
# select then checks all of its channels under the same lock, so no send slips between a
# select's check and its wait.
_changed = threading.Condition()
# Where the next select starts looking, so that ready channels take turns.
_turn = 0


class Channel:
    """Items sent by any thread come out of recv() in the order they were sent."""

    def __init__(self):
        self.items = deque()

    def send(self, item):
        """Adds `item` (never waits: a channel holds any number of items)."""
        with _changed:
            self.items.append(item)
            _changed.notify_all()

    def recv(self):
        """Removes and returns the oldest item; waits (without using the CPU) until there is one."""
        with _changed:
            while not self.items:
                _changed.wait()
            return self.items.popleft()


def select(channels):
    """Waits (without using the CPU) until at least one of `channels` (a list) holds an item,
    then removes the oldest item of one of them and returns (its index in the list, the item).
    When several hold items, take turns: start looking just after the index chosen last time."""
    global _turn
    while True:
        # A condition belongs to one wait; with several channels, keep looking until one has an item.
        for offset in range(len(channels)):
            index = (_turn + offset) % len(channels)
            with _changed:
                if channels[index].items:
                    _turn = index + 1
                    return index, channels[index].items.popleft()


def main():
    # python3 channels.py: two producers on two channels, one consumer selecting over both.
    numbers, words = Channel(), Channel()
    threading.Thread(target=lambda: [numbers.send(n) for n in range(5)]).start()
    threading.Thread(target=lambda: [words.send(w) for w in "the quick brown fox jumps".split()]).start()
    for _ in range(10):
        print(*select([numbers, words]))


if __name__ == "__main__":
    main()
