/// The Python program that runs an instructor's unittest file in the driver domain.
///
/// It never imports the student's code: importing the student's module yields a proxy whose every
/// use (calls, attributes, `len`, `in`, `[]`, iteration, comparisons, `repr`) is a request to the
/// stub (`Stub`) over the socket on fd 3, with a time limit. Results go to fd 4, a socket the grader
/// created and only this process holds. See `grader/python-tests/README.md`.
enum Runner {
    static let source = WireFormat.source + "\n" + body

    private static let body = #"""
# The driver's side of python-tests: runs the hidden unittest file in the driver domain and
# reports on a descriptor only it holds. The student's modules live in another process (the
# stub, in the student's domain); importing one here yields a proxy that forwards every use
# across a socket as plain data, so no code of the student's ever runs in this interpreter.
import sys
sys.dont_write_bytecode = True
import builtins, collections, importlib.abc, importlib.machinery, importlib.util, json, os, threading, time, traceback, types
import unittest, weakref

# Big integers cross, but not so big that reading one costs the runner seconds.
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(100_000)

CHANNEL, REPORT = 3, 4
RUNNER_FILE = os.path.abspath(__file__)


class ChannelFailure(BaseException):
    """The student's side could not answer. A BaseException, so `except Exception` and
    `assertRaises(Exception)` in a test never mistake it for an exception of the student's code."""
    kind = "failure"


class CallTimedOut(ChannelFailure):
    kind = "timeout"


class CodeEnded(ChannelFailure):
    kind = "ended"


class BadReply(ChannelFailure):
    kind = "garbage"


class BoundaryError(TypeError):
    """The test tried to pass something that cannot cross to the student's side: the
    instructor's mistake, reported as a grader error."""


class RemoteException(Exception):
    """Stand-in base of exceptions whose class the student's code defined."""


def printable(text, limit=MAX_TEXT):
    text = "".join(c if c.isprintable() or c in "\n\t" else "\\x%02x" % ord(c) if ord(c) < 256 else "?" for c in str(text)[:limit])
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def shorten(text, limit=60):
    text = printable(text, limit * 2)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Slot:
    __slots__ = ("event", "reply")

    def __init__(self):
        self.event = threading.Event()
        self.reply = None


class Channel:
    """Requests to the stub from any number of test threads; one reader thread hands each reply
    to the thread waiting for it. Every call waits at most until the run's deadline."""

    def __init__(self, fd, seconds):
        self.framer = Framer(fd)
        self.deadline = time.monotonic() + seconds
        self.budget = "%gs" % round(seconds, 1)
        self.lock = threading.Lock()
        self.send_lock = threading.Lock()
        self.pending = {}
        self.next_id = 1
        self.failure = None
        self.released = collections.deque()
        self.proxies = weakref.WeakValueDictionary()
        self.counts = {}
        self.exception_classes = {}
        self.failures_seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def fail(self, failure):
        with self.lock:
            if self.failure is None:
                self.failure = failure
            waiting = list(self.pending.values())
            self.pending.clear()
        for slot in waiting:
            slot.event.set()

    def _read(self):
        while True:
            try:
                message = self.framer.read()
            except Malformed as error:
                self.fail(BadReply("your code's process sent the grader something that is not a reply (%s);"
                                   " your code must not read or write file descriptor 3" % error))
                return
            except OSError as error:
                message = None
            if message is None:
                self.fail(CodeEnded("the process running your code ended"))
                return
            number = message.get("id")
            with self.lock:
                slot = self.pending.pop(number, None) if type(number) is int else None
                late = type(number) is int and 0 < number < self.next_id
            if slot is None:
                if late:
                    continue
                self.fail(BadReply("your code's process sent a reply to a request never made;"
                                   " your code must not read or write file descriptor 3"))
                return
            slot.reply = message
            slot.event.set()

    def noticed(self, failure):
        self.failures_seen.append(failure)
        return failure

    def request(self, what, message):
        slot = Slot()
        with self.lock:
            failure = self.failure
            if failure is None:
                number = self.next_id
                self.next_id += 1
                self.pending[number] = slot
        if failure is not None:
            raise self.noticed(type(failure)("%s, before %s could run" % (failure, what())))
        if time.monotonic() >= self.deadline:
            with self.lock:
                self.pending.pop(number, None)
            raise self.noticed(CallTimedOut("the %s these tests have ran out before %s could run"
                                            % (self.budget, what())))
        message["id"] = number
        released = []
        while self.released:
            released.append(self.released.popleft())
        if released:
            message["release"] = [[handle, cell[0]] for handle, cell in released]
        try:
            with self.send_lock:
                self.framer.write(message, self.deadline, time.monotonic)
        except NotPlain as error:
            with self.lock:
                self.pending.pop(number, None)
            raise BoundaryError("%s passes too much data to your code: %s" % (what(), error)) from None
        except (TimeoutError, OSError) as error:
            self.fail(CodeEnded("the process running your code stopped taking requests (%s)" % error))
        if not slot.event.wait(max(0.0, self.deadline - time.monotonic())):
            with self.lock:
                self.pending.pop(number, None)
            raise self.noticed(CallTimedOut(
                "%s did not return within %s, the time these tests have: your code probably waits forever"
                " (a deadlock, a lock never released) or loops endlessly" % (what(), self.budget)))
        reply = slot.reply
        if reply is None:
            raise self.noticed(type(self.failure)("%s, during %s" % (self.failure, what())))
        try:
            return self._result(reply)
        except Malformed as error:
            failure = BadReply("your code's process sent an answer the grader cannot read (%s);"
                               " your code must not read or write file descriptor 3" % error)
            self.fail(failure)
            raise self.noticed(failure)

    def _result(self, reply):
        if set(reply) == {"id", "value"}:
            return decode(reply["value"], self._proxy)
        if set(reply) == {"id", "raised"} and type(reply["raised"]) is dict:
            raise self._exception(reply["raised"])
        raise Malformed("a reply with fields %s" % sorted(reply)[:5])

    # Handles and proxies.

    def _proxy(self, data):
        number, kind, name = data.get("id"), data.get("kind"), data.get("name")
        if type(number) is not int or number <= 0 or type(name) is not str or kind not in (
                "module", "class", "exception-class", "function", "object"):
            raise Malformed("an object reference that is not one")
        if kind == "exception-class":
            # The tests use it in assertRaises, so it becomes a class here; the student's
            # object itself is not needed by the tests any more.
            self.released.append((number, [1]))
            return self._exception_class(data.get("mro"))
        with self.lock:
            proxy = self.proxies.get(number)
            if proxy is not None:
                proxy._classroom_count[0] += 1
                return proxy
            proxy = Remote(self, number, kind, shorten(name, 80))
            self.proxies[number] = proxy
        weakref.finalize(proxy, self.released.append, (number, proxy._classroom_count))
        return proxy

    def _exception_class(self, mro):
        if type(mro) is not list or not mro or len(mro) > 32 or not all(
                type(entry) is list and len(entry) == 2 and all(type(part) is str and len(part) <= 200 for part in entry)
                for entry in mro):
            raise Malformed("an exception class without a valid lineage")
        chain = [tuple(entry) for entry in mro]
        builtin = Exception
        for module, name in chain:
            found = getattr(builtins, name, None) if module == "builtins" else None
            if isinstance(found, type) and issubclass(found, Exception):
                builtin = found
                break
        if chain[0][0] == "builtins" and builtin.__name__ == chain[0][1]:
            return builtin
        # Stand-ins for the student's own classes, parents first, so that catching a parent
        # class of the student's catches its children as in Python.
        own = [entry for entry in chain if entry[0] != "builtins"] or chain[:1]
        parent = None
        for entry in reversed(own):
            with self.lock:
                known = self.exception_classes.get(entry)
            if known is None:
                name = entry[1].rsplit(".", 1)[-1]
                if not name.isidentifier():
                    name = "StudentError"
                bases = (parent,) if parent is not None else (RemoteException, builtin)
                try:
                    known = type(name, bases, {"__module__": shorten(entry[0], 80)})
                except TypeError:
                    known = type(name, (RemoteException,), {"__module__": shorten(entry[0], 80)})
                with self.lock:
                    known = self.exception_classes.setdefault(entry, known)
            parent = known
        return parent

    def _exception(self, data):
        kind, module, message = data.get("type"), data.get("module"), data.get("message")
        spot = data.get("where")
        if type(kind) is not str or type(module) is not str or type(message) is not str or not (
                spot is None or type(spot) is str):
            raise Malformed("an exception report that is not one")
        cls = self._exception_class(data.get("mro"))
        args = None
        if data.get("args") is not None:
            try:
                args = decode(data["args"], self._refuse_handle)
            except Malformed:
                args = None
        message = printable(message)
        error = None
        for attempt in ((args if type(args) is list else None), [message]):
            if attempt is None:
                continue
            try:
                error = cls(*attempt)
                break
            except Exception:
                continue
        if error is None:
            cls = self._exception_class([[module, kind]])
            error = cls(message) if not issubclass(cls, UnicodeError) else RemoteException(message)
        error._classroom_where = shorten(spot, 100) if spot else None
        error._classroom_type = shorten(kind, 80)
        return error

    @staticmethod
    def _refuse_handle(data):
        raise Malformed("an object inside an exception's arguments")

    # Requests.

    def encode(self, value, what):
        def handle_of(obj):
            if isinstance(obj, Remote):
                if object.__getattribute__(obj, "_classroom_channel") is not self:
                    raise NotPlain("an object of another run")
                return {"t": "handle", "id": object.__getattribute__(obj, "_classroom_id")}
            if callable(obj):
                raise NotPlain("a function or class (%s)" % shorten(getattr(obj, "__qualname__", type(obj).__name__)))
            raise NotPlain("a %s, which is not plain data" % type(obj).__qualname__)
        try:
            return encode(value, handle_of)
        except (NotPlain, RecursionError) as error:
            raise BoundaryError("%s in the tests passes %s to the student's code, which cannot cross: only plain"
                                " data (None, bool, int, float, str, bytes, and lists, tuples, dicts and sets of"
                                " them) and objects the student's code returned can, and the student's code cannot"
                                " call back into the tests (grader/python-tests/README.md)" % (what(), error)) from None

    def call(self, proxy, args, kwargs):
        label = lambda: "%s(%s)" % (proxy._classroom_name, ", ".join(
            [shorten(repr(a), 30) for a in args] + ["%s=%s" % (k, shorten(repr(v), 30)) for k, v in kwargs.items()]))
        return self.request(label, {"op": "call", "target": proxy._classroom_id,
                                    "args": [self.encode(a, label) for a in args],
                                    "kwargs": [[str(k), self.encode(v, label)] for k, v in kwargs.items()]})

    def op(self, proxy, name, args, describe):
        label = lambda: describe.format(proxy._classroom_label(), *[shorten(repr(a), 30) for a in args])
        return self.request(label, {"op": "op", "target": proxy._classroom_id, "name": name,
                                    "args": [self.encode(a, label) for a in args]})

    def attribute(self, proxy, op, name, *value):
        label = lambda: "%s %s.%s" % ({"getattr": "reading", "setattr": "setting", "delattr": "deleting"}[op],
                                       proxy._classroom_name, name)
        message = {"op": op, "target": proxy._classroom_id, "name": name}
        if value:
            message["value"] = self.encode(value[0], label)
        return self.request(label, message)

    def import_module(self, name):
        return self.request(lambda: "the import of your module %s" % name, {"op": "import", "name": name})


class Remote:
    """A handle to an object of the student's: every use is a request to the stub."""
    __slots__ = ("_classroom_channel", "_classroom_id", "_classroom_kind", "_classroom_name", "_classroom_count",
                 "__weakref__")

    def __init__(self, channel, number, kind, name):
        for field, value in (("channel", channel), ("id", number), ("kind", kind), ("name", name), ("count", [1])):
            object.__setattr__(self, "_classroom_" + field, value)

    def _classroom_label(self):
        return self._classroom_name + (" object" if self._classroom_kind == "object" else "")

    def __getattr__(self, name):
        return self._classroom_channel.attribute(self, "getattr", name)

    def __setattr__(self, name, value):
        self._classroom_channel.attribute(self, "setattr", name, value)

    def __delattr__(self, name):
        self._classroom_channel.attribute(self, "delattr", name)

    def __call__(self, *args, **kwargs):
        return self._classroom_channel.call(self, args, kwargs)

    def __dir__(self):
        return self._classroom_channel.op(self, "dir", (), "dir({0})")

    def __instancecheck__(self, value):
        try:
            return self._classroom_channel.op(self, "isinstance", (value,), "isinstance(..., {0})")
        except BoundaryError:
            return False

    def __subclasscheck__(self, other):
        try:
            return self._classroom_channel.op(self, "issubclass", (other,), "issubclass(..., {0})")
        except BoundaryError:
            return False

    def __exit__(self, *exception):
        self._classroom_channel.op(self, "exit", (), "leaving `with {0}`")
        return False


def _forward(name, describe, arity, compare=False):
    def method(self, *args):
        try:
            return self._classroom_channel.op(self, name, args[:arity], describe)
        except BoundaryError:
            if compare:
                return NotImplemented
            raise
    method.__name__ = "__%s__" % name
    return method


for _name, _describe, _arity in [
        ("len", "len({0})", 0), ("contains", "{1} in {0}", 1), ("getitem", "{0}[{1}]", 1),
        ("setitem", "{0}[{1}] = {2}", 2), ("delitem", "del {0}[{1}]", 1), ("iter", "iter({0})", 0),
        ("next", "next({0})", 0), ("reversed", "reversed({0})", 0), ("repr", "repr({0})", 0), ("str", "str({0})", 0),
        ("bool", "bool({0})", 0), ("hash", "hash({0})", 0), ("int", "int({0})", 0), ("float", "float({0})", 0),
        ("index", "using {0} as an index", 0), ("lt", "{0} < {1}", 1), ("le", "{0} <= {1}", 1),
        ("gt", "{0} > {1}", 1), ("ge", "{0} >= {1}", 1), ("add", "{0} + {1}", 1), ("sub", "{0} - {1}", 1),
        ("mul", "{0} * {1}", 1), ("truediv", "{0} / {1}", 1), ("floordiv", "{0} // {1}", 1), ("mod", "{0} % {1}", 1),
        ("pow", "{0} ** {1}", 1), ("and", "{0} & {1}", 1), ("or", "{0} | {1}", 1), ("xor", "{0} ^ {1}", 1),
        ("neg", "-{0}", 0), ("pos", "+{0}", 0), ("abs", "abs({0})", 0), ("invert", "~{0}", 0),
        ("radd", "{1} + {0}", 1), ("rsub", "{1} - {0}", 1), ("rmul", "{1} * {0}", 1), ("enter", "`with {0}`", 0)]:
    setattr(Remote, "__%s__" % _name, _forward(_name, _describe, _arity))
Remote.__eq__ = _forward("eq", "{0} == {1}", 1, compare=True)
Remote.__ne__ = _forward("ne", "{0} != {1}", 1, compare=True)


class RemoteModule(types.ModuleType):
    """A module of the student's: its attributes are read from the student's side."""

    def __getattr__(self, name):
        handle = self.__dict__.get("_classroom_handle")
        if handle is None or (name.startswith("__") and name.endswith("__") and name != "__all__"):
            raise AttributeError(name)
        try:
            return getattr(handle, name)
        except AttributeError:
            if name == "__all__":
                return list(dir(handle))
            raise

    # A test that sets a module attribute (a setting the exercise gives, such as a pause)
    # means the student's module, not this stand-in: the write goes across as plain data.
    def __setattr__(self, name, value):
        handle = self.__dict__.get("_classroom_handle")
        # The import system binds submodules onto their parent: those stay on this side.
        if handle is None or name.startswith("__") or name.startswith("_classroom_") or isinstance(value, types.ModuleType):
            types.ModuleType.__setattr__(self, name, value)
        else:
            setattr(handle, name, value)

    def __delattr__(self, name):
        handle = self.__dict__.get("_classroom_handle")
        if handle is None or name.startswith("__") or name.startswith("_classroom_"):
            types.ModuleType.__delattr__(self, name)
        else:
            delattr(handle, name)


class StudentModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of the student's modules. Installed twice: first on the import path for the
    exercise's entry module (so it wins even over a standard module of the same name), and last
    for any other module that nothing of this isolated interpreter (the standard library only)
    provides, such as a helper module the student split their code into."""

    def __init__(self, channel, names):
        self.channel = channel
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if isinstance(sys.modules.get(top), RemoteModule) or (top in self.names if self.names is not None else path is None):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return RemoteModule(spec.name)

    def exec_module(self, module):
        module.__dict__["_classroom_handle"] = self.channel.import_module(module.__name__)


def _main(config):
    tests_path, names = os.path.abspath(config["tests"]), config["names"]
    for fd in (CHANNEL, REPORT):
        os.set_inheritable(fd, False)
    channel = Channel(CHANNEL, config["seconds"])

    def emit(record):
        data = (json.dumps(record) + "\n").encode()
        while data:
            data = data[os.write(REPORT, data):]

    def short(text, limit=300):
        text = printable(text, limit * 2).strip()
        return text if len(text) <= limit else text[:limit] + "..."

    def spot(error, tb):
        remote = getattr(error, "_classroom_where", None)
        if remote:
            return " (at %s)" % remote
        frames = [f for f in traceback.extract_tb(tb) if f.filename not in (tests_path, RUNNER_FILE)
                  and "importlib" not in f.filename]
        return " (at %s:%d)" % (os.path.basename(frames[-1].filename), frames[-1].lineno) if frames else ""

    def explain(error, tb):
        if isinstance(error, ChannelFailure):
            return short(str(error))
        kind = getattr(error, "_classroom_type", None) or type(error).__name__
        return short("%s: %s%s" % (kind, error, spot(error, tb)))

    sys.meta_path.insert(0, StudentModules(channel, set(config["modules"])))
    sys.meta_path.append(StudentModules(channel, None))
    spec = importlib.util.spec_from_file_location("classroom_hidden_tests", tests_path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        if isinstance(error, BoundaryError):
            emit({"event": "instructor-error", "test": "(import)", "message": short(str(error), 1000)})
        else:
            emit({"event": "import-failed", "message": explain(error, error.__traceback__),
                  "channel": getattr(error, "kind", None) if isinstance(error, ChannelFailure) else None})
        os._exit(0)

    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for name in names:
        try:
            found = loader.loadTestsFromName(name, module)
        except (AttributeError, ImportError, ValueError, TypeError):
            found = None

        def cases(tests):
            for test in tests:
                if isinstance(test, unittest.TestSuite):
                    yield from cases(test)
                else:
                    yield test
        # A missing name comes back as a stand-in test that fails, not as an exception.
        if found is None or found.countTestCases() == 0 or any(type(t).__name__ == "_FailedTest" for t in cases([found])):
            emit({"event": "unknown", "name": name})
            os._exit(0)
        suite.addTest(found)

    results = []

    def describe(test):
        return ".".join(test.id().split(".")[1:]) or test.id()

    class Result(unittest.TestResult):
        def startTest(self, test):
            channel.failures_seen.clear()
            emit({"event": "start", "test": describe(test)})
            super().startTest(test)

        def stopTest(self, test):
            # A test that swallowed a failure of the channel (a bare `except:`) still did not pass.
            seen = channel.failures_seen[:1]
            if seen and results and results[-1]["test"] == describe(test) and results[-1]["outcome"] == "passed":
                results[-1] = {"test": describe(test), "outcome": "error", "message": short(str(seen[0])), "channel": seen[0].kind}
            super().stopTest(test)

        def addSuccess(self, test):
            results.append({"test": describe(test), "outcome": "passed"})

        def addSkip(self, test, reason):
            results.append({"test": describe(test), "outcome": "passed", "message": "skipped: " + short(reason)})

        def addFailure(self, test, err):
            results.append({"test": describe(test), "outcome": "failed", "message": short(str(err[1]))})

        def addError(self, test, err):
            kind, value, tb = err
            record = {"test": describe(test), "outcome": "error", "message": explain(value, tb)}
            if isinstance(value, ChannelFailure):
                record["channel"] = value.kind
            if isinstance(value, BoundaryError):
                record["fault"] = "instructor"
                record["message"] = short(str(value), 1000)
            results.append(record)

        def addSubTest(self, test, subtest, err):
            if err is not None:
                if issubclass(err[0], test.failureException):
                    self.addFailure(subtest, err)
                else:
                    self.addError(subtest, err)

        def addExpectedFailure(self, test, err):
            results.append({"test": describe(test), "outcome": "passed"})

        def addUnexpectedSuccess(self, test):
            results.append({"test": describe(test), "outcome": "failed", "message": "passed but was expected to fail"})

    suite.run(Result())
    emit({"event": "done", "results": results})
    os._exit(0)


_main(json.loads(sys.argv[1]))
"""#
}
