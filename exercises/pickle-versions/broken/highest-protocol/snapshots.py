"""Snapshots of accounts that readers on other Python versions can load."""
import pickle


class Account:
    def __init__(self, owner: str, cents: int) -> None:
        self.owner = owner
        self.cents = cents


def protocol_for(version: tuple[int, int]) -> int:
    """The newest pickle protocol a Python of this (major, minor) version can read."""
    if version < (3, 0):
        newest = 2
    elif version < (3, 4):
        newest = 3
    elif version < (3, 8):
        newest = 4
    else:
        newest = 5
    return min(newest, pickle.HIGHEST_PROTOCOL)


def dump_for(value, version: tuple[int, int]) -> bytes:
    # Mistake: the newest protocol this Python knows, whoever the reader is.
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def save(value) -> bytes:
    # pickle, not marshal: marshal knows only core types (and changes between versions).
    return pickle.dumps(value)


def load(data: bytes):
    return pickle.loads(data)


def load_legacy(data: bytes):
    # Python 2's str is bytes; "latin1" maps each byte to the character of the same number.
    return pickle.loads(data, encoding="latin1")
