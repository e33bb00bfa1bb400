/// The Python program that runs an instructor's unittest file inside the cell.
///
/// It imports the student's module in its own process, so it trusts nothing printed there:
/// it reads a one-time nonce from stdin before any student code runs, moves the student's
/// stdout to stderr, and reports on a private duplicate of the original stdout, each record
/// prefixed with the nonce. Grep-proof, not tamper-proof: see `grader/python-tests/README.md`.
enum Runner {
    static let source = #"""
import sys
sys.dont_write_bytecode = True
import importlib.util, json, os, traceback, unittest

def _main(tests_path, names):
    # Read before any student code runs, and kept only in this call's closures.
    nonce = sys.stdin.readline().strip()
    os.close(0)
    os.open(os.devnull, os.O_RDONLY)
    report = os.dup(1)
    os.set_inheritable(report, False)
    os.dup2(2, 1)

    def emit(record):
        os.write(report, (nonce + " " + json.dumps(record) + "\n").encode())

    def short(text, limit=300):
        text = text.strip()
        return text if len(text) <= limit else text[:limit] + "..."

    sys.path.insert(0, os.getcwd())
    spec = importlib.util.spec_from_file_location("classroom_hidden_tests", tests_path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != tests_path and "importlib" not in f.filename]
        where = " (at %s:%d)" % (os.path.basename(frames[-1].filename), frames[-1].lineno) if frames else ""
        emit({"event": "import-failed", "message": short("%s: %s%s" % (type(error).__name__, error, where))})
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
            emit({"event": "start", "test": describe(test)})
            super().startTest(test)

        def addSuccess(self, test):
            results.append({"test": describe(test), "outcome": "passed"})

        def addSkip(self, test, reason):
            results.append({"test": describe(test), "outcome": "passed", "message": "skipped: " + str(reason)})

        def addFailure(self, test, err):
            results.append({"test": describe(test), "outcome": "failed", "message": short(str(err[1]))})

        def addError(self, test, err):
            kind, value, tb = err
            frames = [f for f in traceback.extract_tb(tb) if f.filename != tests_path]
            where = " (at %s:%d)" % (os.path.basename(frames[-1].filename), frames[-1].lineno) if frames else ""
            results.append({"test": describe(test), "outcome": "error", "message": short("%s: %s%s" % (kind.__name__, value, where))})

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

_main(sys.argv[1], sys.argv[2:])
"""#
}
