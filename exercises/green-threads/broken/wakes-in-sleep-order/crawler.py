"""Given: code written for ordinary threads, which imports sleep the usual way. Keep it as it is:
your program must make it cooperative without changing a line of it."""
from time import sleep

LOG = []


def fetch(name, seconds):
    """Asks a slow server (the sleep stands for the wait) and notes when the answer came."""
    LOG.append("%s asks" % name)
    sleep(seconds)
    LOG.append("%s got it" % name)


def count(name, steps):
    """Counts, letting the others run after every step."""
    for step in range(steps):
        LOG.append("%s %d" % (name, step))
        sleep(0)
