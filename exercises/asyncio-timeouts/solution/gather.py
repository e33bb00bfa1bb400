"""Asks several servers at once with asyncio, and gives up on those that take too long."""
import asyncio
import sys


async def ask(port, timeout):
    """Connects to 127.0.0.1:port, sends "hello\\n" and returns the first line of the answer
    (without its line end), or None if no line came within `timeout` seconds. Closes the
    connection either way."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"hello\n")
        await writer.drain()
        try:
            # wait_for cancels the read when the time is up, instead of waiting for ever.
            line = await asyncio.wait_for(reader.readline(), timeout)
        except asyncio.TimeoutError:
            return None
        return line.decode("utf-8").rstrip("\r\n") if line else None
    finally:
        writer.close()
        await writer.wait_closed()


async def report(port, answers):
    """Given: tells the server on `port`, on a connection of its own, what the questions got."""
    received = sorted(answer for answer in answers if answer is not None)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("answers: %s\ntimeouts: %d\n" % (" ".join(received), answers.count(None))).encode("utf-8"))
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main(port, count, timeout):
    # gather runs the questions at the same time, so the slowest sets the pace, not their sum.
    answers = await asyncio.gather(*(ask(port, timeout) for _ in range(count)))
    await report(port, list(answers))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
