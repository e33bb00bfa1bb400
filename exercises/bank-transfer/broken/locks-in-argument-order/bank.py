"""Transfers between bank accounts that many threads make at the same time."""
import sys
import threading
import time

# Given: the hidden tests set PAUSE so that settle() takes a moment. Then another thread always
# runs in the middle of an unprotected update, however busy the machine is. Keep it as it is.
PAUSE = 0.0


def settle(balance, amount):
    """The new balance after adding `amount` (negative to take money out); refuses an overdraft."""
    if PAUSE:
        time.sleep(PAUSE)
    if balance + amount < 0:
        raise ValueError("insufficient funds: %d, %d" % (balance, amount))
    return balance + amount


class Account:
    """Given: an account has a number (unique), a balance and a lock of its own."""

    def __init__(self, number, balance=0):
        self.number = number
        self.balance = balance
        self.lock = threading.Lock()


def transfer(source, target, amount):
    """Moves `amount` from `source` to `target`: both balances change, or (on ValueError) neither."""
    with source.lock:
        with target.lock:
            source.balance = settle(source.balance, -amount)
            target.balance = settle(target.balance, amount)


def repeat_transfers(source, target, amount, times):
    """Given: transfers `amount` from `source` to `target`, `times` times over (the tests use it too)."""
    for _ in range(times):
        transfer(source, target, amount)


def main():
    # python3 bank.py ROUNDS: two threads move money back and forth between two accounts.
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    a, b = Account(1, 100), Account(2, 100)
    there = threading.Thread(target=repeat_transfers, args=(a, b, 1, rounds))
    back = threading.Thread(target=repeat_transfers, args=(b, a, 1, rounds))
    there.start()
    back.start()
    there.join()
    back.join()
    print(a.balance, b.balance)


if __name__ == "__main__":
    main()
