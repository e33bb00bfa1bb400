"""Cooperative green threads: only one runs at a time, and each runs until it sleeps."""
import heapq
import itertools
import threading
import time
from collections import deque

# The real sleep, kept before anyone patches time.sleep: the scheduler needs it to wait.
_real_sleep = time.sleep

# Each green thread is an OS thread that runs only while it holds the turn. The scheduler
# hands the turn over with the green thread's own semaphore and waits on _back until the
# green thread gives it back (by sleeping or by finishing), so exactly one runs at a time.
_ready = deque()
_sleeping = deque()          # (time due, green thread), in the order they fell asleep
_order = itertools.count()
_back = threading.Semaphore(0)
_current = None


class _Green:
    def __init__(self, function, args):
        self.turn = threading.Semaphore(0)
        self.thread = threading.Thread(target=self._body, args=(function, args), daemon=True)

    def _body(self, function, args):
        self.turn.acquire()
        try:
            function(*args)
        finally:
            _back.release()


def spawn(function, *args):
    """Adds a green thread that will run function(*args) once run() gives it its turn."""
    green = _Green(function, args)
    _ready.append(green)
    green.thread.start()
    return green


def sleep(seconds):
    """The cooperative sleep: called in a green thread, it hands the turn back to the
    scheduler, which resumes this green thread once `seconds` have passed and others
    have had their turns meanwhile. sleep(0) just lets the others run."""
    green = _current
    if green is None:
        _real_sleep(seconds)  # not in a green thread: nobody to let run
        return
    _sleeping.append((time.monotonic() + seconds, green))
    _back.release()
    green.turn.acquire()


def run():
    """Gives the green threads turns, one at a time (in the order they became ready), until
    every one has finished; when all of them sleep, waits for the first one that is due."""
    global _current
    while _ready or _sleeping:
        if not _ready:
            delay = _sleeping[0][0] - time.monotonic()
            if delay > 0:
                _real_sleep(delay)
        now = time.monotonic()
        while _sleeping and _sleeping[0][0] <= now:
            _ready.append(_sleeping.popleft()[1])
        if _ready:
            _current = _ready.popleft()
            _current.turn.release()
            _back.acquire()
            _current = None


def patch():
    """Monkey-patches the time module so that time.sleep is the cooperative sleep."""
    time.sleep = sleep
