"""Hidden tests of the subprocess-pipeline exercise; scenarios select them by class."""
import unittest

import pipeline

UPPER = ["python3", "-c", "import sys; sys.stdout.write(sys.stdin.read().upper())"]
COPY = ["python3", "-c", "import shutil, sys; shutil.copyfileobj(sys.stdin.buffer, sys.stdout.buffer)"]
REVERSE = ["python3", "-c", "import sys; sys.stdout.writelines(reversed(sys.stdin.readlines()))"]
NUMBER = ["python3", "-c",
          "import sys\nfor i, line in enumerate(sys.stdin, 1): sys.stdout.write(f'{i} {line}')"]
FAIL = ["python3", "-c", "import sys; sys.stdin.read(); print('bye'); sys.exit(3)"]


class TestFilter(unittest.TestCase):
    def test_upper(self):
        code, out = pipeline.run_filter(UPPER, "naïve\nline two\n".encode())
        self.assertEqual((code, out), (0, "NAÏVE\nLINE TWO\n".encode()), "run_filter(UPPER, b'na\\xc3\\xafve\\nline two\\n')")

    def test_no_input(self):
        self.assertEqual(tuple(pipeline.run_filter(COPY, b"")), (0, b""), "run_filter(COPY, b'')")


class TestLargeData(unittest.TestCase):
    def test_two_mebibytes(self):
        data = bytes(range(256)) * (2 * 1024 * 4)
        code, out = pipeline.run_filter(COPY, data)
        self.assertEqual(code, 0, "the exit status of a child that copies stdin to stdout")
        self.assertEqual(len(out), len(data), "run_filter(COPY, 2 MiB): how many bytes came back")
        self.assertEqual(out, data, "run_filter(COPY, 2 MiB) must return the same bytes")


class TestExitStatus(unittest.TestCase):
    def test_status_three(self):
        self.assertEqual(tuple(pipeline.run_filter(FAIL, b"x")), (3, b"bye\n"),
                         "run_filter() of a child that prints 'bye' and exits with status 3")


class TestPipeline(unittest.TestCase):
    def test_three_stages(self):
        codes, out = pipeline.run_pipeline([UPPER, REVERSE, NUMBER], b"one\ntwo\nthree\n")
        self.assertEqual(list(codes), [0, 0, 0], "the exit status of each of the three children")
        self.assertEqual(out, b"1 THREE\n2 TWO\n3 ONE\n", "run_pipeline([UPPER, REVERSE, NUMBER], b'one\\ntwo\\nthree\\n')")

    def test_a_failing_stage(self):
        codes, out = pipeline.run_pipeline([COPY, FAIL], b"data\n")
        self.assertEqual(list(codes), [0, 3], "the exit statuses of COPY | FAIL")
        self.assertEqual(out, b"bye\n", "the output of COPY | FAIL")

    def test_large_through_two(self):
        data = b"x" * 500_000 + b"\n"
        codes, out = pipeline.run_pipeline([COPY, COPY], data)
        self.assertEqual((list(codes), out == data), ([0, 0], True), "500 kB through COPY | COPY")
