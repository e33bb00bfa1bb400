"""A file of fixed-size binary records: (id, name, cents)."""
import os
import struct

# id: unsigned 4 bytes; name: 16 bytes of UTF-8, zero-padded; cents: signed 8 bytes.
RECORD = struct.Struct("!I16sq")
RECORD_SIZE = RECORD.size


def pack_record(record_id: int, name: str, cents: int) -> bytes:
    encoded = name.encode("utf-8")
    if len(encoded) > 16:
        raise ValueError(f"the name {name!r} is longer than 16 bytes in UTF-8")
    return RECORD.pack(record_id, encoded, cents)  # "16s" pads with zero bytes


def unpack_record(data: bytes) -> tuple[int, str, int]:
    record_id, name, cents = RECORD.unpack(data)
    return record_id, name.rstrip(b"\0").decode("utf-8"), cents


def file_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


class RecordFile:
    def __init__(self, path: str) -> None:
        # Binary, unbuffered: every write reaches the file at once, where other readers see it.
        self._file = open(path, "a+b", buffering=0)

    def __len__(self) -> int:
        return os.fstat(self._file.fileno()).st_size // RECORD_SIZE

    def append(self, record_id: int, name: str, cents: int) -> int:
        self._file.write(pack_record(record_id, name, cents))
        return len(self) - 1

    def get(self, index: int) -> tuple[int, str, int]:
        if not 0 <= index < len(self):
            raise IndexError(f"record {index} of {len(self)}")
        self._file.seek(index * RECORD_SIZE)
        return unpack_record(self._file.read(RECORD_SIZE))

    def close(self) -> None:
        self._file.close()
