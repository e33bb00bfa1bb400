"""Actors: objects that own their state and change it only in their own thread, one message at a time."""
import queue
import threading

_STOP = object()  # the poison pill: tells an actor's thread to finish


class Actor:
    def __init__(self, name: str) -> None:
        self.name = name
        self._mailbox: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def send(self, message) -> None:
        self._mailbox.put(message)

    def stop(self) -> None:
        # The pill goes behind every message already sent, so those are handled first.
        self._mailbox.put(_STOP)
        self._thread.join()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while True:
            message = self._mailbox.get()
            if message is _STOP:
                return
            self.receive(message)

    def receive(self, message) -> None:
        raise NotImplementedError


class Account(Actor):
    def __init__(self, name: str, cents: int) -> None:
        super().__init__(name)
        self.cents = cents
        self.audit: list[tuple[str, str, int]] = []

    # The public methods only send messages; receive() runs in the actor's thread.
    def deposit(self, amount: int) -> None:
        # Mistake: a shortcut past the mailbox; the caller's thread changes the state, racing
        # with the actor's own thread.
        self.cents += amount
        self.audit.append((threading.current_thread().name, "deposit", amount))

    def withdraw(self, amount: int) -> None:
        self.send(("withdraw", amount))

    def balance(self) -> int:
        reply: queue.Queue = queue.Queue(maxsize=1)
        self.send(("balance", reply))
        return reply.get()

    def receive(self, message) -> None:
        kind, argument = message
        me = threading.current_thread().name
        if kind == "deposit":
            self.cents += argument
            self.audit.append((me, "deposit", argument))
        elif kind == "withdraw":
            if argument <= self.cents:
                self.cents -= argument
                self.audit.append((me, "withdraw", argument))
            else:
                self.audit.append((me, "refused", argument))
        elif kind == "balance":
            argument.put(self.cents)
