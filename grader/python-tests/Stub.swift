/// The Python program that runs in the student's domain: it imports the student's modules and
/// performs the requests the runner sends on fd 3, each in a thread of its own, answering with
/// plain data, handles or the exception raised. Student-controlled once their code is imported:
/// the grader trusts nothing it sends beyond "this is what the student's code answered".
enum Stub {
    static let source = prelude + WireFormat.source + "\n" + body

    private static let prelude = #"""
# Run as `python3 -c`: the work dir comes off sys.path until the stub's own modules are loaded,
# so a student's json.py or socket.py shadows nothing of the stub's.
import os, sys
sys.dont_write_bytecode = True
_home = sys.path.pop(0) if sys.path and sys.path[0] in ("", os.getcwd()) else os.getcwd()
"""#

    private static let body = #"""
# The student's side of python-tests: imports the student's modules and performs the calls the
# hidden tests make, one thread per call. It runs as the student, so nothing here is trusted by
# the grader: it can only answer requests, and every answer is checked on the other side.
import importlib, operator, threading, traceback

CHANNEL = 3
WORKDIR = os.getcwd()


def _exit_method(obj, *ignored):
    type(obj).__exit__(obj, None, None, None)


OPERATIONS = {
    "len": len, "contains": lambda a, b: b in a, "getitem": operator.getitem, "setitem": operator.setitem,
    "delitem": operator.delitem, "iter": iter, "next": next, "reversed": reversed, "repr": repr, "str": str,
    "bool": bool, "hash": hash, "int": int, "float": float, "index": operator.index,
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "and": operator.and_,
    "or": operator.or_, "xor": operator.xor, "neg": operator.neg, "pos": operator.pos, "abs": abs,
    "invert": operator.invert, "radd": lambda a, b: b + a, "rsub": lambda a, b: b - a, "rmul": lambda a, b: b * a,
    "enter": lambda a: type(a).__enter__(a), "exit": _exit_method,
    "dir": lambda a: [name for name in dir(a) if not name.startswith("_")],
    "isinstance": lambda cls, value: isinstance(value, cls), "issubclass": lambda cls, other: issubclass(other, cls),
}


class Objects:
    """Objects the tests hold handles to, counted by how many times each handle was sent."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_handle = {}
        self.by_identity = {}
        self.next = 1

    def handle(self, obj):
        with self.lock:
            number = self.by_identity.get(id(obj))
            if number is None:
                number = self.next
                self.next += 1
                self.by_handle[number] = [obj, 0]
                self.by_identity[id(obj)] = number
            self.by_handle[number][1] += 1
        return describe_handle(number, obj)

    def get(self, number):
        with self.lock:
            entry = self.by_handle.get(number)
        if entry is None:
            raise LookupError("the grader used an object your code no longer holds (handle %r)" % (number,))
        return entry[0]

    def release(self, pairs):
        with self.lock:
            for number, count in pairs:
                entry = self.by_handle.get(number)
                if entry is None:
                    continue
                entry[1] -= count
                if entry[1] <= 0:
                    del self.by_handle[number]
                    self.by_identity.pop(id(entry[0]), None)


def name_of(obj):
    if isinstance(obj, type(os)):
        return obj.__name__
    if isinstance(obj, type) or callable(obj):
        name = getattr(obj, "__qualname__", None)
        if isinstance(name, str):
            return name
    return type(obj).__qualname__


def describe_handle(number, obj):
    if isinstance(obj, type(os)):
        kind = "module"
    elif isinstance(obj, type) and issubclass(obj, BaseException):
        return {"t": "handle", "id": number, "kind": "exception-class", "name": obj.__qualname__, "mro": lineage(obj)}
    elif isinstance(obj, type):
        kind = "class"
    elif callable(obj):
        kind = "function"
    else:
        kind = "object"
    return {"t": "handle", "id": number, "kind": kind, "name": str(name_of(obj))[:200]}


def lineage(cls):
    return [[str(getattr(c, "__module__", "?"))[:200], str(getattr(c, "__qualname__", "?"))[:200]] for c in cls.__mro__][:32]


def where(error):
    if isinstance(error, SyntaxError):
        return None
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != "<string>"]
    mine = [f for f in frames if os.path.abspath(f.filename).startswith(WORKDIR + os.sep)]
    chosen = (mine or frames)[-1:] or None
    return chosen and "%s:%d" % (os.path.basename(chosen[0].filename), chosen[0].lineno)


def plain_only(value):
    raise NotPlain("not plain data")


def raised(error):
    try:
        message = str(error)
    except BaseException:
        message = "(the exception cannot be printed)"
    try:
        args = encode(list(error.args), plain_only)
    except (NotPlain, RecursionError, TypeError, AttributeError):
        args = None
    return {"type": type(error).__qualname__, "module": str(type(error).__module__), "mro": lineage(type(error)),
            "message": message[:MAX_TEXT], "args": args, "where": where(error)}


def perform(objects, request):
    def value(data):
        return decode(data, lambda handle: objects.get(handle.get("id")))

    op = request.get("op")
    if op == "import":
        return importlib.import_module(request["name"])
    target = objects.get(request.get("target"))
    if op == "getattr":
        return getattr(target, request["name"])
    if op == "setattr":
        return setattr(target, request["name"], value(request["value"]))
    if op == "delattr":
        return delattr(target, request["name"])
    if op == "call":
        kwargs = {name: value(item) for name, item in request.get("kwargs", [])}
        return target(*[value(item) for item in request.get("args", [])], **kwargs)
    if op == "op":
        return OPERATIONS[request["name"]](target, *[value(item) for item in request.get("args", [])])
    raise LookupError("unknown request %r" % (op,))


def serve(framer, send_lock, objects, request):
    try:
        result = perform(objects, request)
        reply = None
        try:
            reply = {"id": request["id"], "value": encode(result, objects.handle)}
            with send_lock:
                framer.write(reply)
            return
        except (NotPlain, RecursionError, ValueError):
            # Too deep, too big or an int too long for text: the tests get a handle instead.
            reply = {"id": request["id"], "value": objects.handle(result)}
    except BaseException as error:
        reply = {"id": request["id"], "raised": raised(error)}
    try:
        with send_lock:
            framer.write(reply)
    except OSError:
        pass  # the runner is gone; so is the point of answering


def main():
    os.set_inheritable(CHANNEL, False)
    os.dup2(2, 1)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(100_000)
    framer = Framer(CHANNEL)
    send_lock = threading.Lock()
    objects = Objects()
    sys.path.insert(0, _home)
    while True:
        try:
            request = framer.read()
        except Malformed:
            request = None
        if request is None:
            os._exit(0)
        objects.release(request.get("release", []))
        threading.Thread(target=serve, args=(framer, send_lock, objects, request), daemon=True).start()


main()
"""#
}
