import Foundation
import PluginKit
import Sandbox

/// The servers that host a student's WSGI application or CGI script. They run in the
/// student's domain (they run the student's code), so they are the student's side of the
/// conversation: the driver judges only what reaches the network.
enum Hosts {
    /// Starts the host for `host` on the run's port and waits until it accepts connections.
    static func start(_ host: Host, run: ScenarioRun, startup: Double) async throws -> ServerProcess {
        let (source, arguments): (String, [String])
        switch host {
        case .program: throw DriverError("the program is not hosted")
        case let .wsgi(file, callable): (source, arguments) = (wsgiSource, [file, callable, String(run.basePort)])
        case let .cgi(script, timeout): (source, arguments) = (cgiSource, [script, String(run.basePort), String(timeout)])
        }
        var environment = run.cell.policy.environment
        environment.merge(run.exercise.entry.environment) { _, new in new }
        environment["PYTHONUNBUFFERED"] = "1"
        let process: SandboxProcess
        do {
            process = try await run.cell.spawn(run.interpreter, arguments: ["-c", source] + arguments, environment: environment, domain: .student)
        } catch {
            throw DriverError("cannot start the server that hosts the student's code: \(error)")
        }
        let server = ServerProcess(run: run, process: process, port: run.basePort)
        // Ready when it accepts a connection; the probe carries no request, which the host ignores.
        let deadline = monotonicSeconds() + startup
        while true {
            if let result = process.finishedResult {
                throw ScenarioFailure("the server hosting your code stopped before it could serve a request: " + Feedback.describe(result))
            }
            do {
                let probe = try await run.connect(port: run.basePort, within: 0.2)
                probe.close()
                return server
            } catch is ScenarioFailure {
                if monotonicSeconds() >= deadline {
                    process.kill()
                    throw ScenarioFailure("the server hosting your code did not listen within \(Feedback.seconds(startup)) (is importing your module slow, or stuck?)")
                }
            }
        }
    }

    /// wsgiref's server, threaded, hosting `callable` of the student's module; an exception in
    /// the application becomes a 500 whose body names it, so the student reads it in feedback.
    static let wsgiSource = #"""
import importlib, socketserver, sys, traceback
import wsgiref.simple_server as ws

file, name, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, ".")
try:
    module = importlib.import_module(file[:-3].replace("/", "."))
except BaseException:
    traceback.print_exc()
    sys.exit("could not import %s" % file)
application = getattr(module, name, None)
if not callable(application):
    sys.exit("%s defines no callable %r: a WSGI application is a function application(environ, start_response)" % (file, name))

class Handler(ws.ServerHandler):
    def error_output(self, environ, start_response):
        kind, value = sys.exc_info()[:2]
        text = "your application raised " + "".join(traceback.format_exception_only(kind, value)).strip()
        start_response("500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")], sys.exc_info())
        return [text.encode("utf-8", "replace")]

ws.ServerHandler = Handler

class Quiet(ws.WSGIRequestHandler):
    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingMixIn, ws.WSGIServer):
    daemon_threads = True

server = Server(("127.0.0.1", port), Quiet)
server.set_app(application)
server.serve_forever()
"""#

    /// A CGI/1.1 server (RFC 3875): for each request it runs the script with the request's
    /// meta-variables, hands it the body on stdin (which stays open, as a socket would, so a
    /// script must read CONTENT_LENGTH bytes, not to end of file), and turns its output into
    /// the response; output that is not "headers, empty line, body" becomes a 502 saying why.
    static let cgiSource = #"""
import http.server, os, socketserver, subprocess, sys, threading, urllib.parse

script, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def answer(self, status, text):
        body = text.encode("utf-8", "replace")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def run_script(self):
        url = urllib.parse.urlsplit(self.path)
        length = self.headers.get("Content-Length")
        body = self.rfile.read(int(length)) if length else b""
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")}
        env.update(GATEWAY_INTERFACE="CGI/1.1", SERVER_SOFTWARE="classroom-cgi", SERVER_PROTOCOL=self.request_version,
                   SERVER_NAME="127.0.0.1", SERVER_PORT=str(port), REQUEST_METHOD=self.command,
                   SCRIPT_NAME="/" + script, PATH_INFO=urllib.parse.unquote(url.path), QUERY_STRING=url.query,
                   REMOTE_ADDR=self.client_address[0], CONTENT_LENGTH=length or "",
                   CONTENT_TYPE=self.headers.get("Content-Type", ""))
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_LENGTH", "HTTP_CONTENT_TYPE"):
                env[key] = value
        proc = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        out, err = [], []
        readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
                   for s, b in ((proc.stdout, out), (proc.stderr, err))]
        for r in readers:
            r.start()
        try:
            proc.stdin.write(body)
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        try:
            proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return self.answer(504, "the script did not finish within %gs. Does it read stdin to its end? Read exactly CONTENT_LENGTH bytes:"
                                    " the server does not close stdin after the body" % limit)
        finally:
            proc.stdin.close()
        for r in readers:
            r.join()
        output, errors = b"".join(out), b"".join(err).decode("utf-8", "replace")
        if proc.returncode != 0:
            return self.answer(500, "the script exited with code %d; its stderr ends with:\n%s" % (proc.returncode, errors[-1500:]))
        cut = [(i, n) for i, n in ((output.find(b"\r\n\r\n"), 4), (output.find(b"\n\n"), 2)) if i >= 0]
        if not cut:
            return self.answer(502, "the script's output has no empty line after its headers: print the headers"
                                    " (Content-Type: ...), then an empty line, then the body. It printed: %r" % output[:200])
        end, size = min(cut)
        head, rest = output[:end].decode("latin-1"), output[end + size:]
        headers, status = [], None
        for line in head.replace("\r\n", "\n").split("\n"):
            name, colon, value = line.partition(":")
            if not colon or not name or " " in name:
                return self.answer(502, "the script's output line %r is not a header (\"Name: value\"): print the headers, then an empty line,"
                                        " then the body" % line[:100])
            if name.lower() == "status":
                status = value.strip()
            else:
                headers.append((name, value.strip()))
        if not any(n.lower() in ("content-type", "location") for n, _ in headers):
            return self.answer(502, "the script's headers have no Content-Type (and no Location): a CGI response must say its type")
        code = status.split(" ", 1)[0] if status else ("302" if any(n.lower() == "location" for n, _ in headers) else "200")
        if not (code.isdigit() and len(code) == 3):
            return self.answer(502, "the script's Status header %r does not begin with a three-digit code" % status)
        self.send_response(int(code), status.split(" ", 1)[1] if status and " " in status else None)
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        self.wfile.write(rest)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = run_script

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

Server(("127.0.0.1", port), Handler).serve_forever()
"""#
}
