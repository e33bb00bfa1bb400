"""A file of fixed-size binary records: (id, name, cents). See README.md."""
import struct

RECORD_SIZE = 28


def pack_record(record_id: int, name: str, cents: int) -> bytes:
    raise NotImplementedError


def unpack_record(data: bytes) -> tuple[int, str, int]:
    raise NotImplementedError


def file_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


class RecordFile:
    def __init__(self, path: str) -> None:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def append(self, record_id: int, name: str, cents: int) -> int:
        raise NotImplementedError

    def get(self, index: int) -> tuple[int, str, int]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
