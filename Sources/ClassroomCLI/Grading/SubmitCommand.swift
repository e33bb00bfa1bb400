import ArgumentParser
import Catalog
import Foundation
import Grading
import Store

/// `classroom submit`: hand in a solution and watch it graded, scenario by scenario.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a solution to an exercise and grade it now, showing each scenario as it lands.",
        discussion: """
            PATH is a file or a folder (default: the current directory). Only the files the \
            exercise accepts are taken. With --student, the submission goes into the local \
            database and is graded here; without it, it goes to the server you logged in to \
            with `classroom login`.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var catalog: CatalogOptions
    @OptionGroup var grading: GradingOptions

    @Argument(help: "The exercise id.")
    var exercise: String

    @Argument(help: "A file or folder holding the solution.")
    var path: String = "."

    @Option(help: "Submit locally (no server) as this student.")
    var student: String?

    @Option(help: "The course the submission counts in, for a student of several that share the exercise (default: the first, by id).")
    var course: String?

    func validate() throws {
        if let course, course.isEmpty || course.contains(where: { $0 == "/" || $0.isWhitespace }) {
            throw ValidationError("--course takes a course id, such as sockets-primer")
        }
    }

    func run() async throws {
        guard let student else {
            // The server keeps what the exercise accepts and names the rest in its reply.
            let files = try SubmissionFiles.collect(path: path, accepting: ["**/*.py", "**/*.txt", "**/*.json", "**/*.md", "**/*.csv"])
            guard !files.isEmpty else { throw CLIError("\(path) holds no Python files to submit") }
            try StudentSession.submit(exercise: exercise, course: course, files: files)
            return
        }
        let store = try await database.openExisting()
        let definition = try await store.exercise(exercise).definition
        let files = try SubmissionFiles.collect(path: path, accepting: definition.accept)
        guard files[definition.entry.file] != nil else {
            throw CLIError("\(path) has no \(definition.entry.file), the file this exercise runs (accepted: \(definition.accept.joined(separator: ", ")))")
        }
        let accepted = try await store.submit(student: student, exercise: exercise, course: course, files: files)
        print("Submission \(accepted.submission.id!) of \(exercise) accepted, with \(files.keys.sorted().map(DisplayText.escaped).joined(separator: ", ")); grading…")

        let pool = GradingPool(store: store, grader: try grading.grader(registry: try grading.registry(catalog: catalog.root)),
                               workers: 1, terms: grading.leaseTerms, observer: ProgressPrinter())
        // Until the final outcome: a grader error is retried here, and a job another grader
        // holds is waited for.
        try await pool.gradeToCompletion(jobId: accepted.job.id!)
        let result = try await store.results(submission: accepted.submission.id!).first
        print("")
        print(ResultText.table(result))
        if result?.job?.state != .done { throw ExitCode(1) }
    }
}

/// Prints each scenario as it finishes, and what the grader does after failing.
struct ProgressPrinter: GradingObserver {
    func scenarioFinished(_ job: ClaimedJob, _ outcome: ScenarioOutcome) async {
        let mark = outcome.outcome == .failed ? "✗" : outcome.outcome == .skipped ? "–" : "✓"
        print("  \(mark) \(DisplayText.escaped(outcome.name))  \(outcome.points)/\(outcome.maxPoints)  (\(outcome.durationMs) ms)")
        if !outcome.message.isEmpty, outcome.outcome != .passed {
            print(DisplayText.lines(outcome.message).map { "      " + $0 }.joined(separator: "\n"))
        }
    }

    func jobRetrying(_ job: ClaimedJob, error: String, attempt: Int, maxAttempts: Int) async {
        print("  The grader itself failed (not your fault): \(DisplayText.oneLine(error))")
        print("  Trying again (attempt \(attempt + 1) of \(maxAttempts))…")
    }

    func jobFailed(_ job: ClaimedJob, error: String) async {
        print("  The grader itself failed on every attempt (not your fault, not counted against you): \(DisplayText.oneLine(error))")
    }

    func storeFailed(_ job: ClaimedJob, error: StoreError) async {
        print("  The result could not be stored (\(error.description)); it will be graded again.")
    }
}

/// The files a `submit` sends: regular files only, read without following links, so a folder
/// a student handed in cannot make the instructor's machine send a file from elsewhere.
enum SubmissionFiles {
    /// The files of `path` (a file or a folder) that match the exercise's accepted patterns.
    /// Every symlink or special file found in a folder is skipped and named on stderr.
    static func collect(path: String, accepting patterns: [String]) throws -> [String: Data] {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw CLIError("no file or folder at \(path)") }
        let accepts = { (name: String) in patterns.contains { CatalogLoader.glob($0, matches: name) } }
        if (info.st_mode & S_IFMT) != S_IFDIR {
            let name = (path as NSString).lastPathComponent
            guard accepts(name) else {
                throw CLIError("\(name) is not a file this exercise accepts (\(patterns.joined(separator: ", ")))")
            }
            // A file named on the command line is the user's explicit choice: links are followed.
            return [name: try read(path, followingLinks: true)]
        }
        var files: [String: Data] = [:]
        var skipped: [String] = []
        try walk(root: path, relative: "", accepts: accepts, into: &files, skipped: &skipped)
        if !skipped.isEmpty {
            FileHandle.standardError.write(Data("Skipped (only regular files are sent): \(skipped.sorted().map(DisplayText.escaped).joined(separator: ", "))\n".utf8))
        }
        return files
    }

    /// Folders of tools, not of the solution: a virtual environment alone holds thousands of
    /// Python files.
    static let neverSent: Set<String> = ["__pycache__", "venv", "env", "site-packages", "node_modules"]

    private static func walk(root: String, relative: String, accepts: (String) -> Bool,
                             into files: inout [String: Data], skipped: inout [String]) throws {
        let folder = relative.isEmpty ? root : (root as NSString).appendingPathComponent(relative)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        for name in names {
            if name.hasPrefix(".") || Self.neverSent.contains(name) { continue }
            let inner = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat((folder as NSString).appendingPathComponent(name), &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                // Any virtual environment, whatever its name.
                if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(name + "/pyvenv.cfg")) { continue }
                try walk(root: root, relative: inner, accepts: accepts, into: &files, skipped: &skipped)
            case S_IFREG:
                if accepts(inner) { files[inner] = try read((root as NSString).appendingPathComponent(inner), followingLinks: false) }
            case S_IFLNK:
                skipped.append(inner + " (symlink)")
            default:
                skipped.append(inner + " (special file)")
            }
        }
    }

    /// A regular file's bytes; with `followingLinks` false, a path whose last part became a
    /// link after the listing is refused rather than followed.
    private static func read(_ path: String, followingLinks: Bool) throws -> Data {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followingLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { throw CLIError("cannot read \(path): \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw CLIError("\(path) is not a regular file") }
        return try handle.readToEnd() ?? Data()
    }
}

enum ResultText {
    static func table(_ result: SubmissionResult?) -> String {
        guard let result else { return "No result." }
        guard let job = result.job else { return "Submission \(result.submission.id!) is not graded yet." }
        switch job.state {
        case .queued, .running: return "Submission \(result.submission.id!) is \(job.state.rawValue)."
        case .graderError:
            return "Submission \(result.submission.id!) could not be graded after \(job.attempts) attempts (a grader error, not counted against you; "
                + "your instructor can regrade it): \(DisplayText.oneLine(job.error ?? "unknown"))"
        case .done: break
        }
        var table = TextTable("SCENARIO", "RESULT", "POINTS", "TIME")
        for scenario in result.scenarios {
            table.add(DisplayText.escaped(scenario.name) + (scenario.hidden ? " (hidden)" : ""), scenario.passed ? "passed" : "FAILED",
                      "\(scenario.points)/\(scenario.maxPoints)", "\(scenario.durationMs) ms")
        }
        var text = table.render() + "\n\nTotal: \(job.score ?? 0)/\(job.maxScore ?? 0)"
        if result.isLate { text += " (late: counts as \(result.countedScore ?? 0))" }
        if job.isolation == "unconfined-development" { text += "  [graded UNCONFINED, development mode]" }
        return text
    }
}
