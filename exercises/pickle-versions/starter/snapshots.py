"""Snapshots of accounts that readers on other Python versions can load. See README.md."""
import pickle


class Account:
    def __init__(self, owner: str, cents: int) -> None:
        self.owner = owner
        self.cents = cents


def protocol_for(version: tuple[int, int]) -> int:
    raise NotImplementedError


def dump_for(value, version: tuple[int, int]) -> bytes:
    raise NotImplementedError


def save(value) -> bytes:
    raise NotImplementedError


def load(data: bytes):
    raise NotImplementedError


def load_legacy(data: bytes):
    raise NotImplementedError
