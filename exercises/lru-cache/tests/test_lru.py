"""Hidden tests of the lru-cache exercise; scenarios select them by class or name."""
import unittest

from lru_cache import LRUCache


class TestBasics(unittest.TestCase):
    def test_get_returns_stored_value(self):
        cache = LRUCache(2)
        cache.put("a", 1)
        self.assertEqual(cache.get("a"), 1, "get('a') after put('a', 1)")

    def test_missing_key_returns_default(self):
        cache = LRUCache(2)
        self.assertIsNone(cache.get("nope"), "get() of a missing key without a default")
        self.assertEqual(cache.get("nope", 42), 42, "get('nope', 42) of a missing key")

    def test_put_overwrites(self):
        cache = LRUCache(2)
        cache.put("a", 1)
        cache.put("a", 2)
        self.assertEqual(cache.get("a"), 2, "put('a', 2) after put('a', 1) must replace the value")
        self.assertEqual(len(cache), 1, "overwriting a key must not add an entry")

    def test_len_never_exceeds_capacity(self):
        cache = LRUCache(3)
        for number in range(10):
            cache.put(number, number)
        self.assertEqual(len(cache), 3, "a cache of capacity 3 after 10 different puts")


class TestEviction(unittest.TestCase):
    def test_evicts_least_recently_used(self):
        cache = LRUCache(2)
        cache.put("a", 1)
        cache.put("b", 2)
        cache.put("c", 3)
        self.assertNotIn("a", cache, "after put a, b, c in a cache of 2, the oldest entry 'a' must be evicted")
        self.assertIn("b", cache, "after put a, b, c in a cache of 2, 'b' must stay")
        self.assertIn("c", cache, "after put a, b, c in a cache of 2, the newest entry 'c' must stay")

    def test_get_refreshes_recency(self):
        cache = LRUCache(2)
        cache.put("a", 1)
        cache.put("b", 2)
        cache.get("a")
        cache.put("c", 3)
        self.assertIn("a", cache, "put a, b; get a; put c: 'a' was used last-but-one, so it must stay")
        self.assertNotIn("b", cache, "put a, b; get a; put c: 'b' is the least recently used and must go")

    def test_put_refreshes_recency(self):
        cache = LRUCache(2)
        cache.put("a", 1)
        cache.put("b", 2)
        cache.put("a", 10)
        cache.put("c", 3)
        self.assertEqual(cache.get("a"), 10, "put a, b; put a again; put c: 'a' was just updated, so it must stay")
        self.assertNotIn("b", cache, "put a, b; put a again; put c: 'b' is the least recently used and must go")


class TestValidation(unittest.TestCase):
    def test_rejects_zero_capacity(self):
        with self.assertRaises(ValueError, msg="LRUCache(0) must raise ValueError"):
            LRUCache(0)

    def test_rejects_negative_capacity(self):
        with self.assertRaises(ValueError, msg="LRUCache(-1) must raise ValueError"):
            LRUCache(-1)


if __name__ == "__main__":
    unittest.main()
