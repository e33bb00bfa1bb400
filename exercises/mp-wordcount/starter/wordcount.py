"""Counts words with a pool of processes: map over chunks of lines, then reduce."""
import re
import sys
from collections import Counter
from multiprocessing import Pool


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
    # TODO: split the lines into chunks, count them in a Pool of `workers` processes, and add
    # the partial counts up.
    return dict(count_chunk(lines))


def main():
    # python3 wordcount.py WORKERS < text: the ten commonest words.
    workers = int(sys.argv[1])
    counts = count_words(sys.stdin.read().splitlines(), workers)
    for word, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:10]:
        print(word, count)


if __name__ == "__main__":
    main()
