"""Actors: objects that own their state and change it only in their own thread. See README.md."""
import queue
import threading


class Actor:
    def __init__(self, name: str) -> None:
        self.name = name
        # Your code here: a mailbox (queue.Queue) and a thread named `name`.

    def start(self) -> None:
        raise NotImplementedError

    def send(self, message) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def is_alive(self) -> bool:
        raise NotImplementedError

    def receive(self, message) -> None:
        raise NotImplementedError


class Account(Actor):
    def __init__(self, name: str, cents: int) -> None:
        super().__init__(name)
        self.cents = cents
        self.audit: list[tuple[str, str, int]] = []

    def deposit(self, amount: int) -> None:
        raise NotImplementedError

    def withdraw(self, amount: int) -> None:
        raise NotImplementedError

    def balance(self) -> int:
        raise NotImplementedError
