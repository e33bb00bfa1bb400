"""Run child processes connected by pipes. See README.md."""
import subprocess


def run_filter(command: list[str], data: bytes) -> tuple[int, bytes]:
    raise NotImplementedError


def run_pipeline(commands: list[list[str]], data: bytes) -> tuple[list[int], bytes]:
    raise NotImplementedError
