"""Counts words with a pool of processes: map over chunks of lines, then reduce."""
import re
import sys
from collections import Counter
from multiprocessing.pool import ThreadPool as Pool


def words(line):
    """Given: the words of a line, in lower case (letters and apostrophes)."""
    return re.findall(r"[a-z']+", line.lower())


def count_chunk(lines):
    """Given, the map step: how often each word occurs in a list of lines."""
    counts = Counter()
    for line in lines:
        counts.update(words(line))
    return counts


def count_words(lines, workers):
    """How often each word occurs in `lines` (a list of strings), as a dict, counted by
    `workers` processes, each counting chunks of the lines."""
    # A few chunks per worker keep every worker busy to the end; the last chunk takes whatever
    # is left, so no line is lost however the division falls.
    size = max(1, -(-len(lines) // (workers * 4)))
    chunks = [lines[start:start + size] for start in range(0, len(lines), size)]
    totals = Counter()
    with Pool(workers) as pool:
        for partial in pool.map(count_chunk, chunks):
            totals.update(partial)  # adds to the counts so far, never replaces them
    return dict(totals)


def main():
    # python3 wordcount.py WORKERS < text: the ten commonest words.
    workers = int(sys.argv[1])
    counts = count_words(sys.stdin.read().splitlines(), workers)
    for word, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:10]:
        print(word, count)


if __name__ == "__main__":
    main()
