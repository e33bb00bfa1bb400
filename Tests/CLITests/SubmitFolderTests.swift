import Foundation
import Testing
import TestSupport

/// `classroom submit DIR` sends regular files from DIR only.
@Suite("submit DIR")
struct SubmitFolderTests {
    @Test("a symlink to a host file, a symlinked folder and a FIFO are not sent, and each is named")
    func onlyRegularFiles() throws {
        let folder = try TemporaryDirectory("classroom-submit-dir")
        try Repository.copyCatalog(into: folder)
        func run(_ arguments: String...) throws -> CommandOutput { try ClassroomBinary.run(arguments, in: folder.url) }
        #expect(try run("init").status == 0)
        #expect(try run("student", "add", "alice", "--course", "sockets-primer").status == 0)

        let host = try TemporaryDirectory("classroom-host-files")
        let secret = try host.write("secret.py", "TOPSECRET = 'the host file'\n")
        _ = try host.write("inner.py", "print('outside')\n")
        let handIn = folder.file("hand-in")
        try FileManager.default.createDirectory(at: handIn, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: folder.file("exercises/tcp-echo/solution/echo_server.py"), to: handIn.appendingPathComponent("echo_server.py"))
        try FileManager.default.createSymbolicLink(atPath: handIn.appendingPathComponent("secret.py").path, withDestinationPath: secret.path)
        try FileManager.default.createSymbolicLink(atPath: handIn.appendingPathComponent("linked").path, withDestinationPath: host.url.path)
        #expect(mkfifo(handIn.appendingPathComponent("pipe.py").path, 0o600) == 0)

        let submitted = try run("submit", "tcp-echo", handIn.path, "--student", "alice")
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stderr.contains("Skipped (only regular files are sent): linked (symlink), pipe.py (special file), secret.py (symlink)"),
                "\(submitted.stderr)")
        #expect(submitted.stdout.contains("Submission 1 of tcp-echo accepted, with echo_server.py;"), "\(submitted.stdout)")
        #expect(!submitted.stdout.contains("TOPSECRET") && !submitted.stdout.contains("outside"))
        #expect(submitted.stdout.contains("Total: 10/10"))
    }
}
