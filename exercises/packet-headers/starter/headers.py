"""Binary packet headers: version, kind, payload length and sequence number. See README.md."""
import struct


def pack_header(version: int, kind: int, length: int, seq: int) -> bytes:
    raise NotImplementedError


def unpack_header(data: bytes) -> tuple[int, int, int, int]:
    raise NotImplementedError


def build_packet(version: int, kind: int, seq: int, payload: bytes) -> bytes:
    raise NotImplementedError


def split_packet(packet: bytes) -> tuple[tuple[int, int, int, int], bytes]:
    raise NotImplementedError
