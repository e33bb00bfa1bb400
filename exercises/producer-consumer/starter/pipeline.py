"""Producers and consumers over one queue.Queue.

Usage: python3 pipeline.py PRODUCERS CONSUMERS ITEMS
"""
import queue
import sys
import threading
import time


def produce(number, items, out):
    for index in range(items):
        time.sleep(0.001)  # producing an item takes a little while
        out.put(f"item {number}-{index}")


def consume(inbox, lock):
    # TODO: take items from the queue and print "consumed <item>" for each,
    # until told to stop. Never lose an item, never print one twice.
    pass


def main():
    producers, consumers, items = (int(arg) for arg in sys.argv[1:4])
    work = queue.Queue()
    # TODO: start the consumers and the producers, stop the consumers once every
    # item has been consumed, then print "total <producers * items>".


if __name__ == "__main__":
    main()
