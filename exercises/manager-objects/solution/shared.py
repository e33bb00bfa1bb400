"""A board of counters that lives in one server and is changed by clients over TCP."""
import threading
from multiprocessing.managers import BaseManager

AUTHKEY = b"classroom-bank"


class Group:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # the server serves each client in a thread of its own
        self._value = 0

    def increment(self, by: int = 1) -> None:
        with self._lock:
            self._value += by

    def value(self) -> int:
        return self._value


class Board:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[str, Group] = {}

    def group(self, name: str) -> Group:
        with self._lock:
            return self._groups.setdefault(name, Group())


_board = Board()  # the one board every client shares


class BankManager(BaseManager):
    pass


# group() must hand out a proxy of the server's Group, not a pickled copy of it.
BankManager.register("get_board", callable=lambda: _board, method_to_typeid={"group": "Group"})
BankManager.register("Group", create_method=False)


def serve(port: int) -> None:
    """Start the server in a background thread; return once it listens."""
    server = BankManager(address=("127.0.0.1", port), authkey=AUTHKEY).get_server()
    threading.Thread(target=server.serve_forever, daemon=True).start()


def _connect(port: int) -> BankManager:
    manager = BankManager(address=("127.0.0.1", port), authkey=AUTHKEY)
    manager.connect()
    return manager


def add(port: int, name: str, times: int) -> int:
    group = _connect(port).get_board().group(name)
    for _ in range(times):
        group.increment()
    return group.value()


def read(port: int, name: str) -> int:
    return _connect(port).get_board().group(name).value()
