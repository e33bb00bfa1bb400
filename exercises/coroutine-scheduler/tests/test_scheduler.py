"""Hidden tests of the coroutine-scheduler exercise: the given tasks run by the student's Scheduler."""
import unittest

import scheduler as module
from scheduler import Scheduler, counter, sleeper, waiter


def run(*tasks):
    """Runs fresh tasks (the given task functions and their arguments) on a new Scheduler;
    returns (the task ids, what run() returned, the LOG they wrote)."""
    module.LOG = []
    scheduler = Scheduler()
    ids = [scheduler.spawn(function(*arguments)) for function, arguments in tasks]
    results = scheduler.run()
    return ids, results, list(module.LOG)


class TestRoundRobin(unittest.TestCase):
    def test_tasks_take_turns(self):
        ids, _, log = run((counter, ("a", 3)), (counter, ("b", 2)))
        self.assertEqual(ids, [1, 2], "the ids spawn() returned for the first two tasks")
        self.assertEqual(log, ["a 0", "b 0", "a 1", "b 1", "a 2"],
                         "two counters (a: 3 steps, b: 2): after every yield the next task has its turn")


class TestSleep(unittest.TestCase):
    def test_sleepers_let_the_others_run(self):
        _, _, log = run((sleeper, ("slow", 0.6)), (sleeper, ("quick", 0.2)), (counter, ("c", 2)))
        self.assertEqual(log, ["slow sleeps", "quick sleeps", "c 0", "c 1", "quick woke", "slow woke"],
                         "sleeper('slow', 0.6), sleeper('quick', 0.2) and counter('c', 2): while tasks sleep the"
                         " others run, and the sleepers wake in the order their time is up")


class TestWait(unittest.TestCase):
    def test_a_waiter_gets_the_return_value(self):
        ids, results, log = run((counter, ("q", 0)), (counter, ("a", 2)), (waiter, ("w", 2)), (waiter, ("v", 1)))
        self.assertIn("w got 'a counted 2'", log,
                      "waiter('w', 2) waited for counter('a', 2), which returned 'a counted 2'; the LOG was %r" % (log,))
        self.assertIn("v got 'q counted 0'", log,
                      "waiter('v', 1) waited for counter('q', 0), which had already finished and returned"
                      " 'q counted 0'; the LOG was %r" % (log,))
        self.assertEqual(results, {1: "q counted 0", 2: "a counted 2", 3: "a counted 2", 4: "q counted 0"},
                         "run() must return every task's id and return value")


if __name__ == "__main__":
    unittest.main()
