"""Hidden tests of the green-threads exercise: the scheduler alone, with the patch made first."""
import unittest

import green


class TestScheduler(unittest.TestCase):
    def test_sleepers_wake_when_their_time_is_up(self):
        # Patched before crawler is imported (here, on the student's side), so crawler's sleep is
        # the cooperative one whatever main.py does: this test is about green.py only.
        green.patch()
        import crawler
        for name, seconds in [("b", 0.5), ("a", 0.2), ("c", 0.8)]:
            green.spawn(crawler.fetch, name, seconds)
        green.spawn(crawler.count, "counter", 3)
        green.run()
        self.assertEqual(list(crawler.LOG),
                         ["b asks", "a asks", "c asks", "counter 0", "counter 1", "counter 2",
                          "a got it", "b got it", "c got it"],
                         "fetch b (0.5s), a (0.2s), c (0.8s) and a counter of 3 steps, with time.sleep patched:"
                         " the counter runs while the others sleep, and each sleeper wakes when its time is up")


if __name__ == "__main__":
    unittest.main()
