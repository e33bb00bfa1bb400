"""python3 main.py NAME:SECONDS ...: fetches all at once in green threads, then prints the log."""
import sys

import crawler
import green


def main():
    green.patch()
    for name, seconds in (arg.split(":") for arg in sys.argv[1:]):
        green.spawn(crawler.fetch, name, float(seconds))
    green.spawn(crawler.count, "counter", 3)
    green.run()
    print("\n".join(crawler.LOG))


if __name__ == "__main__":
    main()
