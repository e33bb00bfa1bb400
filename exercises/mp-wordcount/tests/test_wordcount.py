"""Hidden tests of the mp-wordcount exercise: count_words() of texts whose counts the tests know."""
import re
import time
import unittest
from collections import Counter

from wordcount import count_words

# Evaluated on the student's side: the CPU seconds of their process itself and of its children
# that have ended (os.times()), which is where a pool's worker processes are counted.
CPU = "tuple(__import__('os').times())[:4]"


def student_eval():
    """The student process's own eval(), reached through their function whatever their module imports."""
    builtins = count_words.__globals__["__builtins__"]
    try:
        return builtins["eval"]
    except TypeError:
        return builtins.eval


def expected(lines):
    return dict(Counter(word for line in lines for word in re.findall(r"[a-z']+", line.lower())))


def generated(count):
    """`count` lines of 12 words from a vocabulary of 300, the same every run."""
    vocabulary = [first + second for first in "bcdfghjklmnpqrstvwxz" for second in "aeiouyklmnprstw"]
    state, lines = 12345, []
    for _ in range(count):
        line = []
        for _ in range(12):
            state = (state * 1103515245 + 12345) % (1 << 31)
            line.append(vocabulary[state % 300])
        lines.append(" ".join(line))
    return lines


class TestEveryLine(unittest.TestCase):
    def test_every_line_is_counted(self):
        # Each line has words of its own: a line left out is missing from the counts.
        lines = ["alpha one", "bravo two", "charlie three", "delta four", "echo five", "foxtrot six", "golf seven"]
        counts = count_words(lines, 3)
        missing = sorted(set(expected(lines)) - set(counts))
        if missing:
            self.fail("count_words of 7 lines with 3 workers: the words %s are missing; every line must be in"
                      " some chunk (7 lines do not divide into 3 equal chunks)" % ", ".join(missing))
        self.assertEqual(counts, expected(lines), "count_words(%r, 3)" % (lines,))

    def test_no_lines(self):
        self.assertEqual(count_words([], 2), {}, "count_words([], 2)")


class TestReduce(unittest.TestCase):
    def test_counts_from_every_chunk_are_added(self):
        # "the" is in every line, so every chunk has a count of it: they must be added up.
        lines = ["the cat", "the dog", "the cat and the dog", "the end", "The rest", "the lot", "the top", "the tip"]
        counts = count_words(lines, 2)
        self.assertEqual(counts.get("the"), 9,
                         "count_words of 8 lines with 2 workers: 'the' occurs 9 times, once or more in every chunk;"
                         " the partial counts of the chunks must be added together, not replace each other")
        self.assertEqual(counts, expected(lines), "count_words(%r, 2)" % (lines,))


class TestProcesses(unittest.TestCase):
    def test_the_counting_happens_in_worker_processes(self):
        lines = generated(60000)
        evaluate = student_eval()
        before = evaluate(CPU)
        counts = count_words(lines, 2)
        after = evaluate(CPU)
        self.assertEqual(sorted(counts), sorted(expected(lines)), "the words count_words found in 60000 generated lines")
        own = (after[0] - before[0]) + (after[1] - before[1])
        children = (after[2] - before[2]) + (after[3] - before[3])
        share = children / max(own + children, 1e-9)
        if share < 0.3:
            self.fail("count_words of 60000 lines with 2 workers: your process itself used %.2fs of CPU and its"
                      " worker processes %.2fs, so the counting did not happen in the workers. Use a"
                      " multiprocessing.Pool (threads share one interpreter lock: CPU work in them does not run"
                      " in parallel)" % (own, children))


if __name__ == "__main__":
    unittest.main()
