"""A logger that collects lines from any number of writers through a named pipe (FIFO)."""
import os


def make_fifo(path: str) -> None:
    os.mkfifo(path)


def send(path: str, lines: list[str]) -> None:
    """One writer: opens the FIFO (waiting for a reader), writes its lines, closes."""
    with open(path, "w", encoding="utf-8") as fifo:
        # Mistake: "\n" between the lines, none after the last one.
        fifo.write("\n".join(lines))


def collect(path: str, count: int) -> list[str]:
    """The first `count` lines written to the FIFO, by one writer after another."""
    received: list[str] = []
    pending = b""
    while len(received) < count:
        # End of file only says that no writer has the FIFO open right now: open it again
        # and wait for the next one.
        with open(path, "rb") as fifo:
            while len(received) < count:
                chunk = fifo.read1(4096)
                if not chunk:
                    break
                pending += chunk
                *complete, pending = pending.split(b"\n")
                received.extend(line.decode("utf-8") for line in complete)
    return received[:count]
