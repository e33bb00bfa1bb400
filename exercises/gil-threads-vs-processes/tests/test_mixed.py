"""Hidden tests of the gil-threads-vs-processes exercise: where the work ran, from the CPU it used."""
import time
import unittest

import mixed as module
from mixed import cpu_all, io_all

# Evaluated on the student's side: the CPU seconds of their process itself and of its children
# that have ended (os.times()), which is where a process pool's workers are counted.
CPU = "tuple(__import__('os').times())[:4]"

NUMBERS = [400_000, 500_000, 600_000, 700_000]
CRUNCHED = [832001, 499999, 287997, 213995]  # crunch(n) of each


def student_eval():
    """The student process's own eval(), reached through their function whatever their module imports."""
    builtins = cpu_all.__globals__["__builtins__"]
    try:
        return builtins["eval"]
    except TypeError:
        return builtins.eval


def cpu_of(evaluate, call, *args):
    """Runs call(*args); returns its result and the CPU seconds (own, children's) it cost the student's process."""
    before = evaluate(CPU)
    result = call(*args)
    after = evaluate(CPU)
    return result, (after[0] - before[0]) + (after[1] - before[1]), (after[2] - before[2]) + (after[3] - before[3])


class TestCpuBound(unittest.TestCase):
    def test_cpu_work_runs_in_processes(self):
        evaluate = student_eval()
        results, own, children = cpu_of(evaluate, cpu_all, NUMBERS, 2)
        self.assertEqual(results, CRUNCHED, "cpu_all(%r, 2)" % (NUMBERS,))
        share = children / max(own + children, 1e-9)
        if share < 0.5:
            self.fail("cpu_all(%r, 2): your process itself used %.2fs of CPU and its child processes %.2fs, so the"
                      " arithmetic ran in your process. Threads take turns holding the interpreter lock while they"
                      " compute, so CPU-bound work needs processes" % (NUMBERS, own, children))

    def test_cpu_small_inputs(self):
        self.assertEqual(cpu_all([0, 1, 7], 3), [0, 0, 91], "cpu_all([0, 1, 7], 3)")
        self.assertEqual(cpu_all([], 2), [], "cpu_all([], 2)")


class TestIoBound(unittest.TestCase):
    def test_io_work_waits_together_in_threads(self):
        deadline = time.monotonic() + 5
        while module.running and time.monotonic() < deadline:
            time.sleep(0.05)
        module.most_at_once = 0
        evaluate = student_eval()
        delays = [0.4, 0.5, 0.4, 0.5, 0.4, 0.5]
        results, own, children = cpu_of(evaluate, io_all, delays, 3)
        self.assertEqual(results, ["waited %.1fs" % s for s in delays], "io_all(%r, 3)" % (delays,))
        most = module.most_at_once
        if most != 3:
            self.fail("io_all of 6 downloads with 3 workers: your process counted %d download(s) under way at once,"
                      " not 3. Waiting needs no processes: threads share the process's memory (and its counters),"
                      " and a thread that waits lets the others run" % most)
        if children > 0.05:
            self.fail("io_all of 6 downloads used %.2fs of CPU in child processes: waiting needs threads, not"
                      " processes" % children)


if __name__ == "__main__":
    unittest.main()
