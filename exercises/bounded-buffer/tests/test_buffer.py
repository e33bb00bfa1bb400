"""Hidden tests of the bounded-buffer exercise: put() and get() from threads of the tests' own."""
import threading
import time
import unittest

from buffer import BoundedBuffer

# Evaluated on the student's side: for each thread of their process, the nanoseconds it has spent
# on a CPU plus those it spent runnable, waiting for one (the kernel's schedstat). A thread that
# spins adds to one or the other all the time, however busy the machine is; a thread that waits
# on a condition adds nothing.
BUSY = ("{t: sum(int(x) for x in open('/proc/self/task/%s/schedstat' % t).read().split()[:2])"
        " for t in __import__('os').listdir('/proc/self/task')"
        " if __import__('os').path.exists('/proc/self/task/%s/schedstat' % t)}")


def student_eval():
    """The student process's own eval(), reached through their class whatever their module imports."""
    # Through get: a method the tests' proxy class does not define itself (as it does __init__),
    # so the attribute is read on the student's side.
    builtins = BoundedBuffer.get.__globals__["__builtins__"]
    try:
        return builtins["eval"]
    except TypeError:
        return builtins.eval


# Evaluated on the student's side: whether a thread of their process is in a function of theirs
# of this name right now (a call of the tests has reached their code and has not returned yet).
# Their code is in their files; the frames of the code that serves the tests' calls say <string>.
INSIDE = ("any(f.f_code.co_name == %r and f.f_code.co_filename != '<string>'"
          " for top in __import__('sys')._current_frames().values()"
          " for f, _ in __import__('traceback').walk_stack(top))")


def reached(thread, evaluate, function, patience=3.0):
    """Waits until the call running in `thread` is inside the student's `function` (or has returned,
    or `patience` is up). On a busy machine, starting a thread and getting the call across can take
    a while: a wait counted from start() would judge that instead."""
    deadline = time.monotonic() + patience
    while thread.is_alive() and time.monotonic() < deadline:
        try:
            if evaluate(INSIDE % function):
                return
        except Exception:
            return  # cannot look inside: judge by time alone
        thread.join(0.02)


def waits(thread, evaluate, function, seconds):
    """Whether the call running in `thread` waits: it is still running `seconds` after it was seen
    inside the student's `function` (a call that must not wait returns long before then)."""
    reached(thread, evaluate, function)
    thread.join(seconds)
    return thread.is_alive()


def busy_sample(evaluate):
    for attempt in range(5):
        try:
            return evaluate(BUSY), time.monotonic_ns()
        except OSError:
            time.sleep(0.01)  # a thread ended between listing and reading; look again
    raise AssertionError("could not read the scheduler statistics of the process")


def started(target, *args):
    box = []
    thread = threading.Thread(target=lambda: box.append(target(*args)), daemon=True)
    thread.start()
    return thread, box


class TestOrder(unittest.TestCase):
    def test_first_in_first_out(self):
        buffer = BoundedBuffer(5)
        for item in ["one", "two", "three"]:
            buffer.put(item)
        self.assertEqual(len(buffer), 3, "len() after three puts")
        self.assertEqual([buffer.get(), buffer.get(), buffer.get()], ["one", "two", "three"],
                         "three get() after put('one'), put('two'), put('three')")
        self.assertEqual(len(buffer), 0, "len() after getting every item")

    def test_get_waits_for_a_put(self):
        buffer = BoundedBuffer(2)
        evaluate = student_eval()
        getter, box = started(buffer.get)
        if not waits(getter, evaluate, "get", 0.5):
            self.fail("get() on an empty buffer returned instead of waiting for a put()")
        buffer.put("late")
        getter.join(3)
        self.assertFalse(getter.is_alive(), "a get() waiting on an empty buffer did not wake up after a put()")
        self.assertEqual(box, ["late"], "what the waiting get() returned")


class TestCapacity(unittest.TestCase):
    def test_put_waits_while_full(self):
        buffer = BoundedBuffer(2)
        buffer.put("a")
        buffer.put("b")
        evaluate = student_eval()
        putter, _ = started(buffer.put, "c")
        if not waits(putter, evaluate, "put", 1.0):
            self.fail("put('c') into a buffer of capacity 2 already holding 2 items returned at once: it must wait"
                      " until a get() makes room (len() is now %d)" % len(buffer))
        self.assertEqual(buffer.get(), "a", "get() from a full buffer")
        putter.join(3)
        self.assertFalse(putter.is_alive(), "a put() waiting on a full buffer did not go on after a get() made room")
        self.assertEqual([buffer.get(), buffer.get()], ["b", "c"], "the items after the waiting put()")


class TestNoSpinning(unittest.TestCase):
    def test_waiting_get_uses_no_cpu(self):
        buffer = BoundedBuffer(2)
        evaluate = student_eval()
        getter, box = started(buffer.get)
        # Measure only once the get() is in the student's code: a spinning one spins from then on.
        reached(getter, evaluate, "get")
        time.sleep(0.2)
        before, start = busy_sample(evaluate)
        time.sleep(1.0)
        after, stop = busy_sample(evaluate)
        buffer.put("wake up")
        getter.join(3)
        busy = sum(after[t] - before[t] for t in before if t in after)
        share = busy / (stop - start)
        if share >= 0.3:
            self.fail("while one get() waited for 1s on an empty buffer, your program's threads wanted a CPU"
                      " %.0f%% of the time: the waiting thread spins in a loop. Wait on a threading.Condition"
                      " instead, which sleeps until notified" % (share * 100))
        self.assertEqual(box, ["wake up"], "what the waiting get() returned")


if __name__ == "__main__":
    unittest.main()
