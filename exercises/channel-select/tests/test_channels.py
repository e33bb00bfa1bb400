"""Hidden tests of the channel-select exercise: channels and select used from threads of the tests' own."""
import threading
import time
import unittest

from channels import Channel, select

# Evaluated on the student's side: for each thread of their process, the nanoseconds it has spent
# on a CPU plus those it spent runnable, waiting for one (the kernel's schedstat). A thread that
# polls adds to one or the other all the time, however busy the machine is; a sleeping one adds nothing.
BUSY = ("{t: sum(int(x) for x in open('/proc/self/task/%s/schedstat' % t).read().split()[:2])"
        " for t in __import__('os').listdir('/proc/self/task')"
        " if __import__('os').path.exists('/proc/self/task/%s/schedstat' % t)}")


def student_eval():
    """The student process's own eval(), reached through their class whatever their module imports."""
    # Through send: a method the tests' proxy class does not define itself, so it is read on
    # the student's side.
    builtins = Channel.send.__globals__["__builtins__"]
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
    a while: a measurement begun a fixed time after start() could miss most of the call."""
    deadline = time.monotonic() + patience
    while thread.is_alive() and time.monotonic() < deadline:
        try:
            if evaluate(INSIDE % function):
                return
        except Exception:
            return  # cannot look inside: judge by time alone
        thread.join(0.02)


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


class TestDelivery(unittest.TestCase):
    def test_channel_keeps_order_and_recv_waits(self):
        channel = Channel()
        for item in ["one", "two", "three"]:
            channel.send(item)
        self.assertEqual([channel.recv(), channel.recv(), channel.recv()], ["one", "two", "three"],
                         "recv() three times after sending one, two, three")
        receiver, box = started(channel.recv)
        receiver.join(0.5)
        if not receiver.is_alive():
            self.fail("recv() on an empty channel returned %r instead of waiting for a send" % (box,))
        channel.send("late")
        receiver.join(3)
        self.assertEqual(box, ["late"], "a waiting recv() after send('late')")

    def test_select_takes_the_ready_channel(self):
        channels = [Channel(), Channel(), Channel()]
        channels[1].send("b")
        self.assertEqual(select(channels), (1, "b"), "select over 3 channels of which only the second holds 'b'")
        selector, box = started(select, channels)
        selector.join(0.5)
        if not selector.is_alive():
            self.fail("select() over 3 empty channels returned %r instead of waiting" % (box,))
        channels[2].send("c")
        selector.join(3)
        self.assertEqual(box, [(2, "c")], "a waiting select() after the third channel was sent 'c'")


class TestTurns(unittest.TestCase):
    def test_ready_channels_take_turns(self):
        # The first channel holds more than the others together: a select that always prefers it
        # never gets to the others.
        channels = [Channel(), Channel(), Channel()]
        for index, count in enumerate([9, 3, 3]):
            for number in range(count):
                channels[index].send("%d-%d" % (index, number))
        picks = [select(channels) for _ in range(9)]
        served = [sum(1 for index, _ in picks if index == wanted) for wanted in range(3)]
        if served != [3, 3, 3]:
            self.fail("3 channels held 9, 3 and 3 items; 9 select() calls served them %s times: while several"
                      " channels are ready, select must take turns so that none starves (it returned %r)" % (served, picks))
        for wanted in range(3):
            self.assertEqual([item for index, item in picks if index == wanted],
                             ["%d-0" % wanted, "%d-1" % wanted, "%d-2" % wanted],
                             "the items select() took from channel %d, in order" % wanted)


class TestNoSpinning(unittest.TestCase):
    def test_waiting_select_uses_no_cpu(self):
        channels = [Channel(), Channel()]
        evaluate = student_eval()
        selector, box = started(select, channels)
        # Measure only once the select() is in the student's code: a polling one polls from then on.
        reached(selector, evaluate, "select")
        time.sleep(0.2)
        before, start = busy_sample(evaluate)
        time.sleep(1.0)
        after, stop = busy_sample(evaluate)
        channels[0].send("wake up")
        selector.join(3)
        busy = sum(after[t] - before[t] for t in before if t in after)
        share = busy / (stop - start)
        if share >= 0.3:
            self.fail("while one select() waited for 1s on two empty channels, your program's threads wanted a CPU"
                      " %.0f%% of the time: select polls in a loop. Make it sleep until a send wakes it" % (share * 100))
        self.assertEqual(box, [(0, "wake up")], "what the waiting select() returned")


if __name__ == "__main__":
    unittest.main()
