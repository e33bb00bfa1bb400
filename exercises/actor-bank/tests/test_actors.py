"""Hidden tests of the actor-bank exercise; scenarios select them by class."""
import threading
import unittest

import actors


class TestMessages(unittest.TestCase):
    def test_deposits_and_withdrawals(self):
        account = actors.Account("acct-ada", 100)
        account.start()
        account.deposit(50)
        account.withdraw(30)
        account.withdraw(500)  # refused: not enough money
        account.deposit(7)
        self.assertEqual(account.balance(), 127,
                         "balance() after Account(100), deposit(50), withdraw(30), withdraw(500) (refused), deposit(7)")
        self.assertEqual([tuple(entry)[1:] for entry in account.audit],
                         [("deposit", 50), ("withdraw", 30), ("refused", 500), ("deposit", 7)],
                         "audit entries (without the thread name), in the order the messages were sent")


class TestOwnThread(unittest.TestCase):
    def test_every_change_in_the_actor_thread(self):
        account = actors.Account("acct-bob", 0)
        account.start()

        def client():
            for _ in range(5):
                account.deposit(1)

        clients = [threading.Thread(target=client) for _ in range(4)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        self.assertEqual(account.balance(), 20, "balance() after 4 threads deposited 1, 5 times each")
        names = sorted({tuple(entry)[0] for entry in account.audit})
        self.assertEqual(names, ["acct-bob"],
                         "the threads that changed the balance (audit entries' first field): only the actor's own "
                         "thread, named after the account, may touch its state; others send it messages")


class TestStop(unittest.TestCase):
    def test_stop_handles_pending_messages_then_ends(self):
        account = actors.Account("acct-eve", 0)
        account.start()
        for amount in (1, 2, 3, 4):
            account.deposit(amount)
        account.stop()
        self.assertFalse(account.is_alive(), "is_alive() after stop() returned")
        self.assertEqual(account.cents, 10, "cents after deposits of 1, 2, 3 and 4, then stop(): pending messages are handled first")
