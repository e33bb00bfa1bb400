"""Hidden tests of the bank-transfer exercise: transfers made from threads of the tests' own."""
import threading
import time
import unittest

import bank as module
from bank import Account, repeat_transfers, transfer


def run_threads(jobs, patience):
    """Runs each (source, target, amount, times) with repeat_transfers in a daemon thread of its own;
    returns the threads still running after `patience`."""
    # repeat_transfers loops on the student's side, so each thread's transfers follow each other
    # as closely as in a real program (no round trip to the tests between two of them).
    # All threads start their transfers together: on a busy machine, starting a thread can take
    # longer than another thread's whole loop, and threads that never overlap cannot race.
    ready = threading.Barrier(len(jobs))

    def work(*job):
        ready.wait()
        repeat_transfers(*job)

    threads = [threading.Thread(target=work, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + patience
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [thread for thread in threads if thread.is_alive()]


class TestTransfers(unittest.TestCase):
    def test_moves_money(self):
        a, b = Account(1, 50), Account(2, 10)
        transfer(a, b, 30)
        self.assertEqual((a.balance, b.balance), (20, 40), "transfer(a, b, 30) from 50 and 10")
        transfer(b, a, 40)
        self.assertEqual((a.balance, b.balance), (60, 0), "then transfer(b, a, 40)")

    def test_refused_transfer_changes_nothing_and_unlocks(self):
        a, b = Account(1, 5), Account(2, 0)
        with self.assertRaises(ValueError, msg="transfer(a, b, 6) from a balance of 5 must raise ValueError (settle refuses it)"):
            transfer(a, b, 6)
        self.assertEqual((a.balance, b.balance), (5, 0), "a refused transfer must change neither balance")
        stuck = run_threads([(a, b, 5, 1)], 3.0)
        self.assertFalse(stuck, "after a refused transfer, transfer(a, b, 5) waited for a lock forever: a lock was never released")
        self.assertEqual((a.balance, b.balance), (0, 5), "transfer(a, b, 5) after a refused one")


class TestLostUpdates(unittest.TestCase):
    def setUp(self):
        module.PAUSE = 0.0005

    def tearDown(self):
        module.PAUSE = 0.0

    def test_no_update_is_lost(self):
        # Four threads each pay 100 times from an account of their own into one shared account.
        sources = [Account(number, 100) for number in range(1, 5)]
        shared = Account(10, 0)
        jobs = [(source, shared, 1, 100) for source in sources]
        stuck = run_threads(jobs, 10.0)
        self.assertFalse(stuck, "transfers did not finish within 10s: they deadlocked")
        self.assertEqual([source.balance for source in sources], [0] * 4, "each of 4 accounts of 100 paid 100 times 1")
        self.assertEqual(shared.balance, 400,
                         "4 threads each transferred 1 into the same account 100 times at once: it must hold 400;"
                         " a smaller balance means updates were lost (both accounts' balances must be changed under their locks)")


class TestDeadlock(unittest.TestCase):
    def setUp(self):
        module.PAUSE = 0.0005

    def tearDown(self):
        module.PAUSE = 0.0

    def test_opposite_transfers_do_not_deadlock(self):
        a, b = Account(1, 1000), Account(2, 1000)
        stuck = run_threads([(a, b, 1, 200), (b, a, 1, 200)], 5.0)
        self.assertFalse(stuck,
                         "one thread transferred from account 1 to account 2 while another transferred from 2 to 1:"
                         " after 5s they had deadlocked (each holding one account's lock and waiting for the other's)."
                         " Take the two locks in the same order in every transfer, for example by account number")


if __name__ == "__main__":
    unittest.main()
