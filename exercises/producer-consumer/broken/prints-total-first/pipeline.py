"""Producers and consumers over one queue.Queue: every item is consumed exactly once."""
import queue
import sys
import threading
import time

STOP = object()


def produce(number, items, out):
    for index in range(items):
        time.sleep(0.001)  # producing an item takes a little while
        out.put(f"item {number}-{index}")


def consume(inbox, lock):
    while True:
        item = inbox.get()
        if item is STOP:
            return
        with lock:
            print(f"consumed {item}")


def main():
    producers, consumers, items = (int(arg) for arg in sys.argv[1:4])
    work = queue.Queue()
    lock = threading.Lock()
    consumer_threads = [threading.Thread(target=consume, args=(work, lock)) for _ in range(consumers)]
    producer_threads = [threading.Thread(target=produce, args=(n, items, work)) for n in range(producers)]
    # The total is known from the start: say it at once.
    print(f"total {producers * items}")
    for thread in consumer_threads + producer_threads:
        thread.start()
    for thread in producer_threads:
        thread.join()
    # Only once every producer is done may the consumers be told to stop: one marker each.
    for _ in consumer_threads:
        work.put(STOP)
    for thread in consumer_threads:
        thread.join()


if __name__ == "__main__":
    main()
