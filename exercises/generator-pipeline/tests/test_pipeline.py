"""Hidden tests of the generator-pipeline exercise: the stages, their laziness, the primed coroutine."""
import unittest

import pipeline as module
from pipeline import above, parse, readings, running_average


class TestStages(unittest.TestCase):
    def test_parse_skips_blanks_and_comments(self):
        lines = ["alpha 1.5", "# a comment", "", "  beta 20  ", "gamma -3.25"]
        self.assertEqual(list(parse(lines)), [("alpha", 1.5), ("beta", 20.0), ("gamma", -3.25)],
                         "list(parse(%r))" % (lines,))

    def test_above_keeps_greater_values_in_order(self):
        records = [("a", 5.0), ("b", 21.0), ("c", 20.0), ("d", 30.5)]
        self.assertEqual(list(above(records, 20.0)), [("b", 21.0), ("d", 30.5)],
                         "list(above(%r, 20.0)): strictly greater, in the order given" % (records,))

    def test_the_stages_chain(self):
        self.assertEqual(list(above(parse(readings(10)), 21.0)), [("sensor-1", 22.0), ("sensor-3", 23.0), ("sensor-1", 24.0), ("sensor-3", 25.0)],
                         "list(above(parse(readings(10)), 21.0))")


class TestLazy(unittest.TestCase):
    def test_pipeline_takes_only_what_it_needs(self):
        module.produced = 0
        pairs = iter(above(parse(readings(20000)), 20.0))
        first = [next(pairs) for _ in range(3)]
        self.assertEqual(first, [("sensor-1", 22.0), ("sensor-3", 23.0), ("sensor-1", 24.0)],
                         "the first 3 pairs of above(parse(readings(20000)), 20.0)")
        taken = module.produced
        if taken > 40:
            self.fail("to get the first 3 pairs of above(parse(readings(20000)), 20.0), readings() had to"
                      " hand out %d lines: a stage built a whole list instead of yielding one item at a time."
                      " The first 3 pairs need only 16 lines" % taken)


class TestCoroutine(unittest.TestCase):
    def test_running_average_is_ready_for_send(self):
        average = running_average()
        try:
            first = average.send(10)
        except TypeError as error:
            self.fail("running_average().send(10) raised TypeError (%s): the coroutine was never primed;"
                      " primed() must run it to its first yield before returning it" % error)
        self.assertEqual(first, 10.0, "running_average().send(10)")
        self.assertEqual(average.send(20), 15.0, "then send(20)")
        self.assertEqual(average.send(0), 10.0, "then send(0)")

    def test_each_call_starts_afresh(self):
        first, second = running_average(), running_average()
        try:
            first.send(100)
            answer = second.send(1)
        except TypeError as error:
            self.fail("running_average().send() raised TypeError (%s): the coroutine was never primed" % error)
        self.assertEqual(answer, 1.0, "a second running_average() must not share the first's values")


if __name__ == "__main__":
    unittest.main()
