"""A least-recently-used cache of fixed capacity."""


class LRUCache:
    def __init__(self, capacity):
        # TODO: reject a capacity that is not a positive integer with ValueError.
        self.capacity = capacity

    def get(self, key, default=None):
        # TODO: the value stored under key (now the most recently used), or default.
        return default

    def put(self, key, value):
        # TODO: store value under key; when over capacity, drop the least recently used entry.
        pass

    def __len__(self):
        return 0

    def __contains__(self, key):
        return False
