"""python3 main.py NAME:SECONDS ...: fetches all at once in green threads, then prints the log."""
import sys

import green

# First of all: crawler does `from time import sleep` when it is imported, which copies
# whatever time.sleep is at that moment. Patched later, crawler would keep the real one.
green.patch()

import crawler  # noqa: E402  (imported after the patch on purpose)


def main():
    for name, seconds in (arg.split(":") for arg in sys.argv[1:]):
        green.spawn(crawler.fetch, name, float(seconds))
    green.spawn(crawler.count, "counter", 3)
    green.run()
    print("\n".join(crawler.LOG))


if __name__ == "__main__":
    main()
