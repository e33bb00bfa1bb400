"""A pipeline of generators over sensor readings, and a coroutine that averages what it is sent."""
import functools
import sys

# Given: how many lines readings() has handed out so far. The hidden tests read it.
produced = 0


def readings(count):
    """Given, the source: `count` lines such as "sensor-3 21.5", with a comment line now and then."""
    global produced
    for number in range(count):
        produced += 1
        if number % 5 == 4:
            yield "# recalibrated"
        else:
            yield "sensor-%d %.1f" % (number % 4, 15 + (number * 7) % 13)


def parse(lines):
    """Yields (name, value) for every line "NAME VALUE", value a float; skips blank lines and
    comments (lines starting with #). Takes a line from `lines` only when asked for the next pair."""
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, value = line.split()
        yield name, float(value)


def above(records, limit):
    """Yields the (name, value) pairs of `records` whose value is greater than `limit`, one at a time."""
    for name, value in records:
        if value > limit:
            yield name, value


def primed(function):
    """A decorator for coroutines: calling the decorated function returns a generator that has
    already run to its first `yield`, ready for send()."""
    @functools.wraps(function)
    def start(*args, **kwargs):
        return function(*args, **kwargs)
    return start


@primed
def running_average():
    """A coroutine: every value sent to it is answered with the average of all values sent so far."""
    total, count, average = 0.0, 0, None
    while True:
        value = yield average
        total += value
        count += 1
        average = total / count


def main():
    # python3 pipeline.py COUNT LIMIT: the readings above LIMIT, and their running average.
    count, limit = int(sys.argv[1]), float(sys.argv[2])
    average = running_average()
    for name, value in above(parse(readings(count)), limit):
        print(name, value, "average so far %.2f" % average.send(value))


if __name__ == "__main__":
    main()
