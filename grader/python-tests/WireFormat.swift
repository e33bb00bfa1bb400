/// The Python code both sides of the python-tests boundary share: frames of a 4-byte length and a
/// JSON object, and plain data as tagged JSON, checked all the way down on receipt. No pickle, no
/// eval: what the student's side sends is only ever parsed as JSON and checked field by field.
enum WireFormat {
    static let source = #"""
# The wire format both sides of the python-tests boundary speak: frames of a 4-byte big-endian
# length and a JSON object, and values as plain data with tags. No pickle, no eval: the student's
# side sends bytes we only ever parse as JSON and check field by field.
import base64, errno, json, math, os, select, struct

MAX_FRAME = 16 << 20
MAX_DEPTH = 64
MAX_TEXT = 4000


class Malformed(Exception):
    """What the other side sent is not a message of this protocol."""


class NotPlain(Exception):
    """A value that cannot cross as plain data (a dict key that is an object, a cycle...)."""


def _reject_constant(name):
    raise ValueError("the JSON constant %s is not allowed" % name)


class Framer:
    """Reads and writes frames on a non-blocking stream socket descriptor."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = bytearray()
        os.set_blocking(fd, False)

    def write(self, message, deadline=None, clock=None):
        data = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
        if len(data) > MAX_FRAME:
            raise NotPlain("a message of %d bytes, more than the %d allowed" % (len(data), MAX_FRAME))
        data = struct.pack(">I", len(data)) + data
        view = memoryview(data)
        while view:
            try:
                sent = os.write(self.fd, view)
                view = view[sent:]
                continue
            except BlockingIOError:
                pass
            timeout = None
            if deadline is not None:
                timeout = max(0.0, deadline - clock())
                if timeout == 0.0:
                    raise TimeoutError("the other side stopped reading")
            poller = select.poll()
            poller.register(self.fd, select.POLLOUT)
            if not poller.poll(None if timeout is None else int(timeout * 1000) + 1):
                raise TimeoutError("the other side stopped reading")

    def _fill(self):
        """Reads what is there, waiting for at least one byte; False at end of stream."""
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                poller.poll()
                continue
            except OSError as error:
                if error.errno in (errno.ECONNRESET, errno.EPIPE):
                    return False
                raise
            if not chunk:
                return False
            self.buffer += chunk
            return True

    def read(self):
        """The next frame as a dict, or None at a clean end of stream; Malformed otherwise."""
        while len(self.buffer) < 4:
            if not self._fill():
                if self.buffer:
                    raise Malformed("the stream ended in the middle of a message")
                return None
        (size,) = struct.unpack(">I", bytes(self.buffer[:4]))
        if size > MAX_FRAME:
            raise Malformed("a message of %d bytes, more than the %d allowed" % (size, MAX_FRAME))
        while len(self.buffer) < 4 + size:
            if not self._fill():
                raise Malformed("the stream ended in the middle of a message")
        body = bytes(self.buffer[4:4 + size])
        del self.buffer[:4 + size]
        try:
            message = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (ValueError, RecursionError, UnicodeDecodeError) as error:
            raise Malformed("not a JSON message (%s)" % str(error)[:100])
        if not isinstance(message, dict):
            raise Malformed("a message that is not a JSON object")
        return message


_SCALARS = (type(None), bool, int, str)


def encode(value, handle_of, depth=0, key=False):
    """Plain data as tagged JSON; anything else through handle_of (which may raise NotPlain)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"t": "float", "v": repr(value)}
    if kind is bytes:
        return {"t": "bytes", "v": base64.b64encode(value).decode()}
    if depth >= MAX_DEPTH:
        raise NotPlain("data nested more than %d levels deep (or a cycle)" % MAX_DEPTH)
    if kind is tuple:
        return {"t": "tuple", "v": [encode(item, handle_of, depth + 1, key) for item in value]}
    if kind is frozenset:
        return {"t": "frozenset", "v": [encode(item, handle_of, depth + 1, True) for item in value]}
    if key:
        raise NotPlain("a dict key or set item must be plain hashable data, not %s" % kind.__name__)
    if kind is list:
        return {"t": "list", "v": [encode(item, handle_of, depth + 1) for item in value]}
    if kind is set:
        return {"t": "set", "v": [encode(item, handle_of, depth + 1, True) for item in value]}
    if kind is dict:
        return {"t": "dict", "v": [[encode(k, handle_of, depth + 1, True), encode(v, handle_of, depth + 1)]
                                   for k, v in value.items()]}
    return handle_of(value)


_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def decode(data, handle_from, depth=0, key=False):
    """The value tagged JSON stands for, checked all the way down; Malformed if it is not one."""
    kind = type(data)
    if kind in _SCALARS or kind is float:
        if kind is str and len(data) > MAX_FRAME:
            raise Malformed("a text too long")
        return data
    if kind is not dict or depth >= MAX_DEPTH:
        raise Malformed("a value that is neither plain data nor tagged (%s)" % kind.__name__)
    tag = data.get("t")
    if tag == "handle":
        if key:
            raise Malformed("an object used as a dict key or set item")
        return handle_from(data)
    if set(data) != {"t", "v"}:
        raise Malformed("a tagged value with fields %s" % sorted(data)[:5])
    inner = data["v"]
    if tag == "float":
        if inner not in _FLOATS:
            raise Malformed("a float that is not nan, inf or -inf")
        return _FLOATS[inner]
    if tag == "bytes":
        if type(inner) is not str:
            raise Malformed("bytes that are not base64 text")
        try:
            return base64.b64decode(inner.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise Malformed("bytes that are not base64 text")
    if type(inner) is not list:
        raise Malformed("a %s whose items are not a list" % tag)
    if tag == "tuple":
        return tuple(decode(item, handle_from, depth + 1, key) for item in inner)
    if tag == "frozenset":
        return frozenset(decode(item, handle_from, depth + 1, True) for item in inner)
    if key:
        raise Malformed("a %s used as a dict key or set item" % tag)
    if tag == "list":
        return [decode(item, handle_from, depth + 1) for item in inner]
    if tag == "set":
        return {decode(item, handle_from, depth + 1, True) for item in inner}
    if tag == "dict":
        result = {}
        for pair in inner:
            if type(pair) is not list or len(pair) != 2:
                raise Malformed("a dict entry that is not a [key, value] pair")
            result[decode(pair[0], handle_from, depth + 1, True)] = decode(pair[1], handle_from, depth + 1)
        return result
    raise Malformed("an unknown tag %r" % str(tag)[:20])
"""#
}
