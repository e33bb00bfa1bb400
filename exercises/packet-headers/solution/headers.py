"""Binary packet headers: version, kind, payload length and sequence number."""
import struct

# "!": network byte order (big-endian), standard sizes, no padding.
HEADER = struct.Struct("!BBHI")


def pack_header(version: int, kind: int, length: int, seq: int) -> bytes:
    return HEADER.pack(version, kind, length, seq)


def unpack_header(data: bytes) -> tuple[int, int, int, int]:
    if len(data) < HEADER.size:
        raise ValueError(f"a header is {HEADER.size} bytes, got {len(data)}")
    return HEADER.unpack_from(data)


def build_packet(version: int, kind: int, seq: int, payload: bytes) -> bytes:
    return pack_header(version, kind, len(payload), seq) + payload


def split_packet(packet: bytes) -> tuple[tuple[int, int, int, int], bytes]:
    header = unpack_header(packet)
    length = header[2]
    return header, packet[HEADER.size:HEADER.size + length]
