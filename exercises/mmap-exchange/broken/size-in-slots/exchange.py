"""A board of 8-byte slots in a memory-mapped file, shared by every process that maps it."""
import mmap
import multiprocessing
import os
import struct

SLOT = struct.Struct("!q")


class Board:
    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDWR)
        size = os.fstat(self._fd).st_size
        # A shared mapping (the default, ACCESS_WRITE): stores go to the page cache that
        # every process mapping the file sees.
        self._map = mmap.mmap(self._fd, size, access=mmap.ACCESS_WRITE)
        self.slots = size

    @classmethod
    def create(cls, path: str, slots: int) -> "Board":
        with open(path, "wb") as f:
            # Mistake: the size in slots, where truncate() wants bytes.
            f.truncate(slots)
        return cls(path)

    @classmethod
    def open(cls, path: str) -> "Board":
        return cls(path)

    def _offset(self, index: int) -> int:
        if not 0 <= index < self.slots:
            raise IndexError(f"slot {index} of {self.slots}")
        return index * SLOT.size

    def write(self, index: int, value: int) -> None:
        SLOT.pack_into(self._map, self._offset(index), value)

    def read(self, index: int) -> int:
        return SLOT.unpack_from(self._map, self._offset(index))[0]

    def close(self) -> None:
        self._map.flush()  # msync: the file on disk is up to date too
        self._map.close()
        os.close(self._fd)


def _fill_squares(path: str, count: int) -> None:
    board = Board.open(path)
    for i in range(count):
        board.write(i, i * i)
    board.close()


def squares_in_child(path: str, count: int) -> list[int]:
    board = Board.create(path, count)
    child = multiprocessing.Process(target=_fill_squares, args=(path, count))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"the child ended with status {child.exitcode}")
    values = [board.read(i) for i in range(count)]
    board.close()
    return values
