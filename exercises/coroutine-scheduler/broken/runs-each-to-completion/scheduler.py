"""Coroutines from scratch: a round-robin scheduler of generator tasks, with sleep and wait."""
import heapq
import time
from collections import deque


class Sleep:
    """Given: a task that yields Sleep(seconds) is resumed (with None) after that many seconds,
    while the other tasks go on."""

    def __init__(self, seconds):
        self.seconds = seconds


class Wait:
    """Given: a task that yields Wait(task_id) is resumed when that task has finished, and the
    value of its `yield` is what that task returned."""

    def __init__(self, task_id):
        self.task_id = task_id


# Given: example tasks. They write what they do to LOG, which the hidden tests read.
LOG = []


def counter(name, steps):
    """Counts to `steps`, letting the other tasks run after every step (a bare `yield`)."""
    for step in range(steps):
        LOG.append("%s %d" % (name, step))
        yield
    return "%s counted %d" % (name, steps)


def sleeper(name, seconds):
    LOG.append("%s sleeps" % name)
    yield Sleep(seconds)
    LOG.append("%s woke" % name)
    return "%s slept" % name


def waiter(name, task_id):
    result = yield Wait(task_id)
    LOG.append("%s got %r" % (name, result))
    return result


class Scheduler:
    """Runs generator tasks in turns: each runs until its next `yield`, then the next one has
    its turn, round and round, until every task has finished."""

    def __init__(self):
        self.next_id = 1
        self.tasks = []
        self.results = {}

    def spawn(self, task):
        """Adds a generator as a new task (it runs from its first turn); returns its task id:
        1 for the first task, then 2, 3, …"""
        task_id = self.next_id
        self.next_id += 1
        self.tasks.append((task_id, task))
        return task_id

    def run(self):
        """Runs until every task has finished (sleeping through times when every task sleeps);
        returns a dict of every task's id and the value it returned."""
        for task_id, task in self.tasks:
            value = None
            while True:
                try:
                    command = task.send(value)
                except StopIteration as finished:
                    self.results[task_id] = finished.value
                    break
                value = None
                if isinstance(command, Sleep):
                    time.sleep(command.seconds)
                elif isinstance(command, Wait):
                    value = self.results[command.task_id]
        return dict(self.results)


def main():
    scheduler = Scheduler()
    first = scheduler.spawn(counter("a", 3))
    scheduler.spawn(counter("b", 2))
    scheduler.spawn(sleeper("s", 0.2))
    scheduler.spawn(waiter("w", first))
    print(scheduler.run())
    print("\n".join(LOG))


if __name__ == "__main__":
    main()
