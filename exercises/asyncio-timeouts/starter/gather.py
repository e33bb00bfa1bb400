"""Asks several servers at once with asyncio, and gives up on those that take too long."""
import asyncio
import sys


async def ask(port, timeout):
    """Connects to 127.0.0.1:port, sends "hello\\n" and returns the first line of the answer
    (without its line end), or None if no line came within `timeout` seconds. Closes the
    connection either way."""
    # TODO


async def report(port, answers):
    """Given: tells the server on `port`, on a connection of its own, what the questions got."""
    received = sorted(answer for answer in answers if answer is not None)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("answers: %s\ntimeouts: %d\n" % (" ".join(received), answers.count(None))).encode("utf-8"))
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main(port, count, timeout):
    # TODO: ask `count` times, all at the same time, and report the answers (in any order).
    answers = []
    await report(port, answers)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
