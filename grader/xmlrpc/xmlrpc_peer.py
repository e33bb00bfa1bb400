"""The xmlrpc plugin: Python's own xmlrpc.client as the peer of a student's XML-RPC server.

Speaks protocol 1 of the grader's external plugins (grader/README.md) on the channel it
inherits (CLASSROOM_CHANNEL_FD): hello -> scenario -> start -> started -> (calls) -> result.
"""
import json
import os
import socket
import sys
import traceback
import xmlrpc.client


class Grader:
    def __init__(self):
        # A unix socket the grader handed over at start: nothing in the cell can reach it.
        self.sock = socket.socket(fileno=int(os.environ["CLASSROOM_CHANNEL_FD"]))
        self.lines = self.sock.makefile("r", encoding="utf-8")

    def send(self, message):
        self.sock.sendall((json.dumps(message) + "\n").encode())

    def receive(self, expected):
        line = self.lines.readline()
        if not line:
            sys.exit("the grader closed the connection")
        message = json.loads(line)
        if message.get("type") != expected:
            raise RuntimeError("expected a %r message from the grader, got %r" % (expected, message))
        return message


def shown(value):
    """A value as a student would write it in Python."""
    return repr(value)


def kind(value):
    if value is None:
        return "None"
    return {bool: "a bool", int: "an int", float: "a float", str: "a string", list: "a list", dict: "a dict"}.get(
        type(value), type(value).__name__)


def mismatch(actual, expected, tolerance, where="the result"):
    """Why actual is not expected, or None. Types matter: XML-RPC keeps them."""
    if expected is None:
        return None if actual is None else "%s is %s (%s), but None is expected" % (where, shown(actual), kind(actual))
    if isinstance(expected, bool):
        if isinstance(actual, bool) and actual == expected:
            return None
        return "%s is %s (%s), but %s is expected" % (where, shown(actual), kind(actual), shown(expected))
    if isinstance(expected, (int, float)):
        if isinstance(actual, (int, float)) and not isinstance(actual, bool):
            if actual == expected or abs(actual - expected) <= tolerance * max(1.0, abs(expected)):
                return None
            return "%s is %s, but %s is expected" % (where, shown(actual), shown(expected))
        hint = ": return a number, not its text" if isinstance(actual, str) else ""
        return "%s is %s (%s), but the number %s is expected%s" % (where, shown(actual), kind(actual), shown(expected), hint)
    if isinstance(expected, str):
        if isinstance(actual, str) and actual == expected:
            return None
        return "%s is %s (%s), but %s is expected" % (where, shown(actual), kind(actual), shown(expected))
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return "%s is %s, but %s is expected" % (where, shown(actual), shown(expected))
        for index, (a, e) in enumerate(zip(actual, expected)):
            problem = mismatch(a, e, tolerance, "item %d of %s" % (index, where))
            if problem:
                return problem
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            return "%s is %s, but %s is expected" % (where, shown(actual), shown(expected))
        for key in expected:
            problem = mismatch(actual[key], expected[key], tolerance, "%r of %s" % (key, where))
            if problem:
                return problem
        return None
    return None if actual == expected else "%s is %s, but %s is expected" % (where, shown(actual), shown(expected))


def fault_hint(fault):
    text = fault.faultString
    if "cannot marshal None" in text:
        return " (your server cannot send None: create it with SimpleXMLRPCServer(..., allow_none=True))"
    if "is not supported" in text and "method" in text:
        return " (register the function with server.register_function, under exactly this name)"
    return ""


def check(calls, proxy, timeout):
    for number, call in enumerate(calls, 1):
        method, args = call["method"], call.get("args", [])
        text = "call %d, %s(%s)" % (number, method, ", ".join(shown(a) for a in args))
        try:
            result = getattr(proxy, method)(*args)
        except xmlrpc.client.Fault as fault:
            if "fault" in call:
                if call["fault"].lower() in fault.faultString.lower():
                    continue
                return "%s raised a fault as it should, but its message %r does not mention %r" % (
                    text, fault.faultString, call["fault"])
            return "%s raised the XML-RPC fault %r%s" % (text, fault.faultString, fault_hint(fault))
        except xmlrpc.client.ProtocolError as error:
            return "%s: the server answered HTTP %d %s; serve XML-RPC at %s" % (
                text, error.errcode, error.errmsg, error.url.split("@")[-1])
        except socket.timeout:
            return "%s: no answer within %gs; does the function block or loop forever?" % (text, timeout)
        except (OSError, xmlrpc.client.ResponseError, ValueError) as error:
            return "%s failed: %s: %s; is your server still running?" % (text, type(error).__name__, error)
        if "fault" in call:
            return "%s returned %s but must raise an error (an exception raised in your function reaches the client as a fault)" % (
                text, shown(result))
        if "expect" in call:
            problem = mismatch(result, call["expect"], call.get("tolerance", 1e-9))
            if problem:
                return "%s: %s" % (text, problem)
    return None


def main():
    grader = Grader()
    try:
        grader.send({"type": "hello", "protocol": 1, "token": os.environ["CLASSROOM_TOKEN"]})
        parameters = grader.receive("scenario")["parameters"]
        timeout = parameters.get("timeout", 2.0)
        grader.send({"type": "start"})
        port = grader.receive("started")["port"]
        socket.setdefaulttimeout(timeout)
        proxy = xmlrpc.client.ServerProxy("http://127.0.0.1:%d%s" % (port, parameters.get("path", "/RPC2")), allow_none=True)
        calls = parameters["calls"]
        problem = check(calls, proxy, timeout)
        if problem:
            grader.send({"type": "result", "passed": False, "message": problem})
        else:
            grader.send({"type": "result", "passed": True, "message": "%d call%s answered as expected" % (len(calls), "" if len(calls) == 1 else "s")})
    except SystemExit:
        raise
    except BaseException:
        grader.send({"type": "error", "message": traceback.format_exc(limit=3)})


if __name__ == "__main__":
    main()
