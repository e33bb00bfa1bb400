"""Cooperative green threads: only one runs at a time, and each runs until it sleeps."""
import heapq
import itertools
import threading
import time
from collections import deque

# The real sleep, kept before anyone patches time.sleep: the scheduler needs it to wait.
_real_sleep = time.sleep


def spawn(function, *args):
    """Adds a green thread that will run function(*args) once run() gives it its turn."""
    # TODO


def sleep(seconds):
    """The cooperative sleep: called in a green thread, it hands the turn back to the
    scheduler, which resumes this green thread once `seconds` have passed and others
    have had their turns meanwhile. sleep(0) just lets the others run."""
    # TODO
    _real_sleep(seconds)


def run():
    """Gives the green threads turns, one at a time (in the order they became ready), until
    every one has finished; when all of them sleep, waits for the first one that is due."""
    # TODO


def patch():
    """Monkey-patches the time module so that time.sleep is the cooperative sleep."""
    # TODO
