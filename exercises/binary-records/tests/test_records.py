"""Hidden tests of the binary-records exercise; scenarios select them by class."""
import unittest

import records

ADA = bytes([0, 0, 0, 7]) + b"ada" + bytes(13) + bytes([0, 0, 0, 0, 0, 0, 0x30, 0x39])


class TestRecord(unittest.TestCase):
    def test_layout(self):
        self.assertEqual(records.pack_record(7, "ada", 12345), ADA,
                         "pack_record(7, 'ada', 12345): 4-byte id, 16-byte name padded with zero bytes, 8-byte cents, big-endian")

    def test_round_trip(self):
        self.assertEqual(tuple(records.unpack_record(records.pack_record(4000000000, "zoë", -250))),
                         (4000000000, "zoë", -250), "unpack_record(pack_record(4000000000, 'zoë', -250))")

    def test_size(self):
        self.assertEqual(records.RECORD_SIZE, 28, "RECORD_SIZE")


class TestFileLayout(unittest.TestCase):
    def test_file_is_the_records_back_to_back(self):
        path = "layout.db"
        db = records.RecordFile(path)
        db.append(7, "ada", 12345)
        db.append(8, "zoë", -250)
        db.append(9, "bob", 0)
        expected = ADA + records.pack_record(8, "zoë", -250) + records.pack_record(9, "bob", 0)
        self.assertEqual(records.file_bytes(path), expected,
                         "after three appends the file must hold exactly the three 28-byte records, nothing else")
        db.close()


class TestSecondReader(unittest.TestCase):
    def test_reader_opened_later_sees_appends(self):
        path = "shared.db"
        writer = records.RecordFile(path)
        writer.append(1, "ünsal", -1)
        writer.append(2, "ada", 99)
        reader = records.RecordFile(path)
        self.assertEqual(len(reader), 2, "a second RecordFile on the same path, while the first is open, must see its 2 records")
        self.assertEqual(tuple(reader.get(0)), (1, "ünsal", -1), "the second reader's get(0)")
        writer.append(3, "eve", 5)
        self.assertEqual(len(reader), 3, "the second reader's len() after the writer appended a third record")
        self.assertEqual(tuple(reader.get(2)), (3, "eve", 5), "the second reader's get(2)")
        reader.close()
        writer.close()


class TestBounds(unittest.TestCase):
    def test_index_past_the_end(self):
        db = records.RecordFile("bounds.db")
        db.append(1, "a", 1)
        db.append(2, "b", 2)
        self.assertEqual(tuple(db.get(1)), (2, "b", 2), "get(1) of two records")
        with self.assertRaises(IndexError, msg="get(2) of two records must raise IndexError"):
            db.get(2)
        with self.assertRaises(IndexError, msg="get(-1) must raise IndexError"):
            db.get(-1)
        db.close()
