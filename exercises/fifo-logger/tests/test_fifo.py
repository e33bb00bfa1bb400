"""Hidden tests of the fifo-logger exercise; scenarios select them by class.

The student's collect() and send() run in threads of the student's process, called from
threads here, so a call that blocks for ever is noticed with a join timeout."""
import threading
import time
import unittest

import fifo_logger


class Call:
    """A call into the student's code in a thread of its own."""

    def __init__(self, function, *args):
        self.result = None
        self.error = None
        self.thread = threading.Thread(target=self._run, args=(function, args), daemon=True)
        self.thread.start()

    def _run(self, function, args):
        try:
            self.result = function(*args)
        except BaseException as error:  # reported by the test
            self.error = error

    def wait(self, seconds):
        self.thread.join(seconds)
        if self.error is not None:
            raise self.error
        return not self.thread.is_alive()


class TestOneWriter(unittest.TestCase):
    def test_three_lines(self):
        path = "one.fifo"
        fifo_logger.make_fifo(path)
        collector = Call(fifo_logger.collect, path, 3)
        self.assertTrue(Call(fifo_logger.send, path, ["alpha", "béta", "gamma 3"]).wait(5),
                        "send(path, [3 lines]) did not return within 5 s while collect(path, 3) was reading")
        self.assertTrue(collector.wait(5), "collect(path, 3) did not return within 5 s of a writer sending 3 lines")
        self.assertEqual(list(collector.result), ["alpha", "béta", "gamma 3"], "collect(path, 3) after send(path, [3 lines])")


class TestWritersOneAfterAnother(unittest.TestCase):
    def test_second_writer_is_heard(self):
        path = "two.fifo"
        fifo_logger.make_fifo(path)
        collector = Call(fifo_logger.collect, path, 4)
        self.assertTrue(Call(fifo_logger.send, path, ["one", "two"]).wait(5), "the first send() did not return within 5 s")
        # The first writer has closed: a reader that stops at its end of file does so now.
        finished_early = collector.wait(2)
        self.assertFalse(finished_early,
                         f"collect(path, 4) returned {collector.result!r} after the first writer closed: end of file on "
                         "a FIFO only means no writer is connected right now; open it again (or keep it open for writing "
                         "yourself) and keep reading")
        self.assertTrue(Call(fifo_logger.send, path, ["three", "four"]).wait(5),
                        "the second send() did not return within 5 s: nobody had the FIFO open for reading")
        self.assertTrue(collector.wait(5), "collect(path, 4) did not return within 5 s of the second writer")
        self.assertEqual(list(collector.result), ["one", "two", "three", "four"], "collect(path, 4) after two writers")


class TestLinesAcrossWriters(unittest.TestCase):
    def test_three_writers_in_turn(self):
        path = "three.fifo"
        fifo_logger.make_fifo(path)
        collector = Call(fifo_logger.collect, path, 5)
        for turn, lines in enumerate((["a1", "a2"], ["b1"], ["c1", "c2"])):
            self.assertTrue(Call(fifo_logger.send, path, lines).wait(5), f"send(path, {lines!r}) did not return within 5 s")
            if turn == 0:
                self.assertFalse(collector.wait(2), f"collect(path, 5) returned {collector.result!r} after the first writer closed")
            else:
                time.sleep(0.2)
        self.assertTrue(collector.wait(5), "collect(path, 5) did not return within 5 s of three writers sending 5 lines")
        self.assertEqual(list(collector.result), ["a1", "a2", "b1", "c1", "c2"], "collect(path, 5) after three writers in turn")
