import ArgumentParser
import Foundation
import Store

/// `classroom export submissions`: the counted files, as plagiarism checkers expect them.
struct SubmissionsExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submissions",
        abstract: "Export the counted submission of every student and exercise for MOSS or JPlag.",
        discussion: """
            Writes DIR/<exercise>/<student>/<files> and DIR/manifest.csv (exercise, student, \
            submission, submitted_at, score, late, files). DIR must be new or empty. Stored file \
            paths that would leave DIR (absolute, `..`, empty parts) are refused and listed, \
            and no file is written through a symbolic link.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The course id.")
    var course: String

    @Option(help: ArgumentHelp("The folder to write (new or empty).", valueName: "dir"))
    var out: String

    func run() async throws {
        let (book, files) = try await database.openExisting().countedFiles(course: course)
        let root = URL(fileURLWithPath: out).standardizedFileURL
        let tree = try ExportTree(root: root)
        var manifest = CSVWriter()
        manifest.row(["exercise", "student", "submission", "submitted_at", "score", "late", "files"])
        var skipped: [String] = []
        var written = 0
        for exercise in book.exercises {
            for row in book.rows {
                guard let cell = row.cells[exercise] else { continue }
                var paths: [String] = []
                for (path, content) in (files[cell.submissionId] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    do {
                        try tree.write(content, at: [exercise, row.student.name], path)
                        paths.append(path)
                        written += 1
                    } catch let error as ExportTree.Refusal {
                        skipped.append("submission \(cell.submissionId): \(error.description)")
                    }
                }
                manifest.row([exercise, row.student.name, String(cell.submissionId), cell.submittedAt.formatted(.iso8601),
                              String(cell.score), cell.isLate ? "yes" : "no", paths.joined(separator: " ")])
            }
        }
        try tree.write(Data(manifest.text.utf8), at: [], "manifest.csv")
        print("Wrote \(written) file\(written == 1 ? "" : "s") of \(book.rows.count) student\(book.rows.count == 1 ? "" : "s") to \(root.path) (see manifest.csv).")
        if !skipped.isEmpty {
            print("Refused \(skipped.count) stored path\(skipped.count == 1 ? "" : "s") that would not stay inside the folder:")
            for line in skipped { print("  " + line) }
        }
    }
}

/// Writes files strictly below one folder. Every name comes from the database, which holds
/// what students sent: each path is checked part by part, folders are created one level at a
/// time and must be real folders, and files are created new without following a link.
struct ExportTree {
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    let root: URL

    init(root: URL) throws {
        self.root = root
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: root.path, isDirectory: &isFolder) {
            guard isFolder.boolValue, !Self.isLink(root) else {
                throw CLIError("\(root.path) exists and is not a folder")
            }
            guard try manager.contentsOfDirectory(atPath: root.path).isEmpty else {
                throw CLIError("\(root.path) is not empty; export into a new or empty folder")
            }
        } else {
            do { try manager.createDirectory(at: root, withIntermediateDirectories: true) } catch {
                throw CLIError("cannot create \(root.path): \(error.localizedDescription)")
            }
        }
    }

    /// The parts of a stored path, or a refusal if any part could leave the folder.
    static func parts(of path: String) throws(Refusal) -> [String] {
        guard !path.hasPrefix("/") else { throw Refusal(description: "\"\(DisplayText.escaped(path))\" is absolute") }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            guard !part.isEmpty, part != ".", part != "..", !part.contains("\0"), !part.contains("\\") else {
                throw Refusal(description: "\"\(DisplayText.escaped(path))\" has the part \"\(DisplayText.escaped(part))\"")
            }
        }
        return parts
    }

    /// Writes `content` at `folders/path` below the root.
    func write(_ content: Data, at folders: [String], _ path: String) throws {
        let all = try folders.flatMap { try Self.parts(of: $0) } + Self.parts(of: path)
        var current = root
        for folder in all.dropLast() {
            current.appendPathComponent(folder)
            try Self.makeFolder(current)
        }
        current.appendPathComponent(all.last!)
        // O_EXCL with O_NOFOLLOW: never overwrite, never write through a link planted meanwhile.
        let descriptor = open(current.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Refusal(description: "cannot create \(DisplayText.escaped(current.path)): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: content)
        try handle.close()
    }

    private static func isLink(_ url: URL) -> Bool {
        var status = stat()
        return lstat(url.path, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK
    }

    /// Creates `url` unless it is already a real folder; a link or a file there is refused.
    private static func makeFolder(_ url: URL) throws {
        var status = stat()
        if lstat(url.path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw Refusal(description: "\(DisplayText.escaped(url.path)) is not a folder (a link or a file)")
            }
            return
        }
        guard mkdir(url.path, 0o755) == 0 else {
            throw Refusal(description: "cannot create \(DisplayText.escaped(url.path)): \(String(cString: strerror(errno)))")
        }
    }
}
