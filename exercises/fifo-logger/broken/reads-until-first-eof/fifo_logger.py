"""A logger that collects lines from any number of writers through a named pipe (FIFO)."""
import os


def make_fifo(path: str) -> None:
    os.mkfifo(path)


def send(path: str, lines: list[str]) -> None:
    """One writer: opens the FIFO (waiting for a reader), writes its lines, closes."""
    with open(path, "w", encoding="utf-8") as fifo:
        for line in lines:
            fifo.write(line + "\n")


def collect(path: str, count: int) -> list[str]:
    """The first `count` lines written to the FIFO."""
    received: list[str] = []
    # Mistake: read until end of file once. The first writer's close is that end of file.
    with open(path, encoding="utf-8") as fifo:
        for line in fifo:
            received.append(line.rstrip("\n"))
            if len(received) == count:
                break
    return received
