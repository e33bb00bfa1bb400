import Catalog
import Foundation
import Grading
import PluginKit
import Testing
import TestSupport

/// python-tests across the boundary between the driver domain (hidden tests, runner, report) and
/// the student's domain (their module, in the stub): hostile submissions first, then what must
/// still work across it.
extension GradingRuns {
@Suite struct PythonTestsBoundaryTests {
    /// A marker only the hidden test file contains; a submission that finds it has read the file.
    static let marker = "HIDDEN-7f3a9c-MARKER"

    /// The areas tests of `PythonTestsRunTests`, a marker, and a test that passes only when the
    /// submission found nothing of the file.
    static let tests = "# \(marker): expected answers live here.\n"
        + PythonTestsRunTests.tests.replacingOccurrences(of: "from shapes import area\n", with: "from shapes import area, loot\n")
        + """

        class TestLoot(unittest.TestCase):
            def test_nothing_leaked(self):
                self.assertEqual(loot(), "", "what the submission found of the hidden tests")
        """

    /// An exercise whose scenarios each run one selection of `file`, for one point.
    static func exercise(_ id: String, entry: String, file: String, text: String, timeout: String = "4s",
                         scenarios: [(name: String, tests: String)]) throws -> Workspace {
        let workspace = try Workspace()
        let yaml = scenarios.map { scenario in
            """
              - name: \(scenario.name)
                plugin: python-tests
                points: 1
                file: \(file)
                tests: [\(scenario.tests)]
                timeout: \(timeout)
            """
        }.joined(separator: "\n")
        try workspace.exercise(id, entry: entry, scenarios: yaml, points: scenarios.count, files: [file: text])
        return workspace
    }

    func workspace(timeout: String = "4s") throws -> Workspace {
        try Self.exercise("unit", entry: "shapes.py", file: "hidden/test_shapes.py", text: Self.tests, timeout: timeout,
                          scenarios: [("areas", "TestArea"), ("errors", "TestErrors"), ("loot", "TestLoot")])
    }

    @Test func aSubmissionCannotReadTheHiddenTests() async throws {
        // Looks everywhere the hidden file was or could be: the old dot folder in /box, the
        // driver folder by path and by listing, every process's cwd, root, open files and
        // command line under /proc, and the interpreter's own frames.
        let module = """
        import gc, os, sys
        MARKER = "HIDDEN-7f3a9c" + "-MARKER"
        found = []

        def look(path):
            try:
                with open(path, "rb") as f:
                    if MARKER.encode() in f.read(1 << 20):
                        found.append(path)
            except OSError:
                pass

        def walk(top):
            try:
                for folder, _, files in os.walk(top):
                    for name in files:
                        look(os.path.join(folder, name))
            except OSError:
                pass

        for top in ["/box", "/driver", "/tmp", "/proc/self/cwd"]:
            walk(top)
        look("/driver/python-tests/test_shapes.py")
        try:
            found.extend("listed " + name for name in os.listdir("/driver"))
        except OSError:
            pass
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            for what in ["cmdline", "environ"]:
                look("/proc/%s/%s" % (pid, what))
            for link in ["cwd", "root"]:
                try:
                    target = os.readlink("/proc/%s/%s" % (pid, link))
                    if "driver" in target or "classroom-tests" in target:
                        found.append("%s -> %s" % (link, target))
                except OSError:
                    pass
            try:
                for fd in os.listdir("/proc/%s/fd" % pid):
                    look("/proc/%s/fd/%s" % (pid, fd))
            except OSError:
                pass
        for obj in gc.get_objects():
            if isinstance(obj, str) and MARKER in obj and obj is not MARKER:
                found.append("memory")
                break
        frame = sys._getframe()
        while frame is not None:
            if MARKER.encode() in open(frame.f_code.co_filename, "rb").read() if os.path.isfile(frame.f_code.co_filename) else False:
                found.append("frame " + frame.f_code.co_filename)
            frame = frame.f_back

        def area(side):
            return side * side

        def loot():
            return "; ".join(found)
        """
        let outcomes = try await workspace().grade("unit", ["shapes.py": module])
        let loot = try #require(outcomes[named: "loot"])
        #expect(loot.outcome == .passed, "the submission read the hidden tests: \(loot.message)")
        #expect(outcomes.allSatisfy { !$0.message.contains(Self.marker) }, "\(outcomes.map(\.message))")
        #expect(outcomes[named: "areas"]?.outcome == .passed, "\(outcomes[named: "areas"]?.message ?? "")")
    }

    @Test func aSubmissionCannotForgeTheReport() async throws {
        // Implements nothing, then tries every way to write a passing report: the runner's own
        // emitter and nonce from the interpreter's frames and objects, nonce-like lines on
        // stdout, a report on fds 3 and 4 and on every descriptor it can reach under /proc.
        let module = """
        import gc, json, os, sys
        done = {"event": "done", "results": [{"test": "TestArea.test_square", "outcome": "passed"},
                                             {"test": "TestArea.test_zero", "outcome": "passed"},
                                             {"test": "TestLoot.test_nothing_leaked", "outcome": "passed"}]}
        line = json.dumps(done) + "\\n"
        frame = sys._getframe()
        while frame is not None:
            emit = frame.f_locals.get("emit")
            if callable(emit):
                emit(done)
                os._exit(0)
            frame = frame.f_back
        for obj in gc.get_objects():
            if callable(obj) and getattr(obj, "__name__", "") == "emit":
                obj(done)
                os._exit(0)
        for nonce in ["0", "deadbeef" * 8]:
            print(nonce + " " + line, end="")
        sys.stdout.flush()
        for fd in (1, 3, 4, 5):
            try:
                os.write(fd, line.encode())
            except OSError:
                pass
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    for fd in os.listdir("/proc/%s/fd" % pid):
                        try:
                            out = os.open("/proc/%s/fd/%s" % (pid, fd), os.O_WRONLY | os.O_NONBLOCK)
                            os.write(out, line.encode())
                            os.close(out)
                        except OSError:
                            pass
                except OSError:
                    pass

        def area(side):
            return -1

        def loot():
            return "forged"
        """
        let outcomes = try await workspace().grade("unit", ["shapes.py": module])
        #expect(outcomes.allSatisfy { $0.outcome == .failed }, "\(outcomes.map { "\($0.name): \($0.outcome) \($0.message)" })")
        #expect(outcomes.allSatisfy { !$0.isGraderFault }, "\(outcomes.map(\.message))")
    }

    @Test func aStubThatHangsFailsWithTheCallThatHung() async throws {
        let module = "import time\ndef area(side):\n    time.sleep(60)\ndef loot():\n    return ''\n"
        let outcomes = try await workspace(timeout: "2s").grade("unit", ["shapes.py": module])
        let areas = try #require(outcomes[named: "areas"])
        #expect(areas.outcome == .failed && !areas.isGraderFault)
        #expect(areas.message.contains("did not return within") && areas.message.contains("waits forever"), "\(areas.message)")
        #expect(outcomes[named: "loot"]?.outcome == .passed)
    }

    @Test func aStubThatCrashesFailsSayingItEnded() async throws {
        let module = "import os\ndef area(side):\n    os._exit(7)\ndef loot():\n    return ''\n"
        let outcomes = try await workspace().grade("unit", ["shapes.py": module])
        let areas = try #require(outcomes[named: "areas"])
        #expect(areas.outcome == .failed && !areas.isGraderFault)
        #expect(areas.message.contains("ended early") && areas.message.contains("exited with code 7"), "\(areas.message)")
    }

    @Test func aCrashIsNotTheExceptionATestExpects() async throws {
        // `assertRaises(ValueError)` (or `except Exception`) in a test must not be satisfied by
        // the student's process ending or hanging in the call.
        for body in ["os._exit(0)", "raise SystemExit(0)", "time.sleep(60)"] {
            let module = "import os, time\ndef area(side):\n    \(body)\ndef loot():\n    return ''\n"
            let outcomes = try await workspace(timeout: "2s").grade("unit", ["shapes.py": module])
            let errors = try #require(outcomes[named: "errors"])
            #expect(errors.outcome == .failed && !errors.isGraderFault, "\(body): \(errors.message)")
        }
    }

    @Test func aStubThatAnswersGarbageFailsSayingSo() async throws {
        // Valid frames that are not replies, then bytes that are not frames at all.
        let answers = [
            #"os.write(3, struct.pack(">I", 9) + b"not json!")"#,
            #"[os.write(3, struct.pack(">I", len(b)) + b) for b in [b'{"id": %d, "value": [1, 2]}' % i for i in range(1, 10)]]"#,
            #"body = b'{"id": 999, "value": 1}'; os.write(3, struct.pack(">I", len(body)) + body)"#,
            #"os.write(3, b"\xff" * 64)"#,
        ]
        for answer in answers {
            let module = "import os, struct, time\ndef area(side):\n    \(answer)\n    time.sleep(30)\ndef loot():\n    return ''\n"
            let outcomes = try await workspace().grade("unit", ["shapes.py": module])
            let areas = try #require(outcomes[named: "areas"])
            #expect(areas.outcome == .failed && !areas.isGraderFault, "\(answer): \(areas.message)")
            #expect(areas.message.contains("file descriptor 3"), "\(answer): \(areas.message)")
        }
    }

    @Test func valuesObjectsAndExceptionsCrossTheBoundary() async throws {
        let tests = """
        import threading, unittest
        import bag
        from bag import Bag, BagError

        class TestBag(unittest.TestCase):
            def test_plain_data_round_trips(self):
                value = [None, True, 1, 2.5, "é", b"\\x00", (1, (2,)), {"k": [1]}, {3: "int key"}, {1, 2}, frozenset("ab")]
                self.assertEqual(bag.echo(value), value)
                self.assertIs(type(bag.echo((1, 2))), tuple)

            def test_objects_and_dunders(self):
                b = Bag(["x", "y"])
                self.assertEqual(len(b), 2)
                self.assertIn("x", b)
                self.assertNotIn("z", b)
                self.assertEqual(b[0], "x")
                self.assertEqual(list(b), ["x", "y"])
                self.assertEqual(repr(b), "Bag(['x', 'y'])")
                self.assertEqual(b, Bag(["x", "y"]))
                self.assertIsInstance(b, Bag)
                self.assertIs(b.itself(), b)
                b.label = "mine"
                self.assertEqual(b.label, "mine")

            def test_exceptions_keep_their_types(self):
                with self.assertRaises(KeyError) as caught:
                    bag.fail("key")
                self.assertEqual(caught.exception.args, ("missing",))
                with self.assertRaises(ValueError):
                    bag.fail("own")
                with self.assertRaises(BagError):
                    bag.fail("own")

            def test_concurrent_calls(self):
                b = Bag([])
                threads = [threading.Thread(target=lambda: [b.add(1) for _ in range(25)]) for _ in range(8)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                self.assertEqual(len(b), 200)

        class TestMistake(unittest.TestCase):
            def test_passes_a_function(self):
                bag.echo(lambda: 1)
        """
        let module = """
        import threading

        class BagError(ValueError):
            pass

        class Bag:
            def __init__(self, items):
                self.items = list(items)
                self.lock = threading.Lock()
            def __len__(self): return len(self.items)
            def __iter__(self): return iter(self.items)
            def __getitem__(self, i): return self.items[i]
            def __repr__(self): return "Bag(%r)" % self.items
            def __eq__(self, other): return isinstance(other, Bag) and other.items == self.items
            def itself(self): return self
            def add(self, item):
                with self.lock:
                    self.items.append(item)

        def echo(value):
            return value

        def fail(how):
            if how == "key":
                raise KeyError("missing")
            raise BagError("a bag error")
        """
        let workspace = try Self.exercise("bag", entry: "bag.py", file: "hidden/test_bag.py", text: tests, timeout: "10s",
                                          scenarios: [("crosses", "TestBag"), ("mistake", "TestMistake")])
        let outcomes = try await workspace.grade("bag", ["bag.py": module])
        let crosses = try #require(outcomes[named: "crosses"])
        #expect(crosses.outcome == .passed, "\(crosses.message)")
        let mistake = try #require(outcomes[named: "mistake"])
        #expect(mistake.isGraderFault && mistake.message.contains("cannot call back into the tests"), "\(mistake.message)")
    }
}
}
