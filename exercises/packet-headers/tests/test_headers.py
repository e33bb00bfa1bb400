"""Hidden tests of the packet-headers exercise; scenarios select them by class."""
import unittest

import headers


class TestPack(unittest.TestCase):
    def test_fields_in_order_most_significant_byte_first(self):
        self.assertEqual(headers.pack_header(1, 2, 0x0304, 0x05060708),
                         bytes([1, 2, 3, 4, 5, 6, 7, 8]),
                         "pack_header(1, 2, 0x0304, 0x05060708) must give the bytes 01 02 03 04 05 06 07 08")

    def test_small_numbers_fill_their_fields(self):
        self.assertEqual(headers.pack_header(3, 0, 9, 1),
                         bytes([3, 0, 0, 9, 0, 0, 0, 1]),
                         "pack_header(3, 0, 9, 1): every field keeps its size, zeros in front")

    def test_header_is_eight_bytes(self):
        self.assertEqual(len(headers.pack_header(1, 1, 1, 1)), 8, "a header is 8 bytes long")


class TestUnpack(unittest.TestCase):
    def test_reads_each_field(self):
        self.assertEqual(tuple(headers.unpack_header(bytes([2, 7, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef]))),
                         (2, 7, 256, 0xDEADBEEF),
                         "unpack_header(02 07 01 00 de ad be ef) must be (2, 7, 256, 3735928559)")

    def test_reads_only_the_first_eight_bytes(self):
        self.assertEqual(tuple(headers.unpack_header(bytes([1, 0, 0, 5, 0, 0, 1, 0]) + b"hello")),
                         (1, 0, 5, 256),
                         "unpack_header() of a header followed by its payload")

    def test_too_short(self):
        with self.assertRaises(ValueError, msg="unpack_header() of 5 bytes must raise ValueError"):
            headers.unpack_header(b"\x01\x02\x03\x04\x05")


class TestRoundTrip(unittest.TestCase):
    def test_largest_values(self):
        self.assertEqual(tuple(headers.unpack_header(headers.pack_header(255, 255, 65535, 4294967295))),
                         (255, 255, 65535, 4294967295),
                         "unpack_header(pack_header(255, 255, 65535, 4294967295))")

    def test_sequence_beyond_sixteen_bits(self):
        self.assertEqual(tuple(headers.unpack_header(headers.pack_header(1, 4, 12, 70000))),
                         (1, 4, 12, 70000),
                         "unpack_header(pack_header(1, 4, 12, 70000))")


class TestPacket(unittest.TestCase):
    def test_payload_of_the_given_length(self):
        packet = bytes([1, 9, 0, 3, 0, 0, 0, 42]) + b"abcdef"
        header, payload = headers.split_packet(packet)
        self.assertEqual(tuple(header), (1, 9, 3, 42), "the header of 01 09 00 03 00 00 00 2a 'abcdef'")
        self.assertEqual(payload, b"abc", "the length field says 3: the payload is b'abc', the rest is the next packet")

    def test_build_then_split(self):
        packet = headers.build_packet(2, 1, 77, "naïve".encode())
        self.assertEqual(packet[:8], bytes([2, 1, 0, 6, 0, 0, 0, 77]),
                         "build_packet(2, 1, 77, b'na\\xc3\\xafve'): the length field is the payload's length in bytes (6)")
        self.assertEqual(headers.split_packet(packet)[1], "naïve".encode(), "split_packet(build_packet(...)) gives the payload back")
