import Crypto
import Foundation

/// Finds, parses and cross-checks the catalog under a root folder holding `courses/` and `exercises/`.
public struct CatalogLoader: Sendable {
    public var root: URL
    /// Checks plugin-specific scenario parameters; nil until the grader's plugins are known.
    public var parameterChecker: (any ScenarioParameterChecker)?

    /// The largest exercise folder accepted; exercises are stored whole in the database.
    public static let maximumExerciseBytes = 8 << 20

    public init(root: URL, parameterChecker: (any ScenarioParameterChecker)? = nil) {
        self.root = root.standardizedFileURL
        self.parameterChecker = parameterChecker
    }

    public var coursesFolder: URL { root.appendingPathComponent("courses") }
    public var exercisesFolder: URL { root.appendingPathComponent("exercises") }

    /// Loads the named course files (all of `courses/` when nil) and the exercises they need.
    /// With `courseFiles` nil every exercise folder is loaded too, used or not, so that
    /// `classroom validate` checks everything.
    public func load(courseFiles: [URL]? = nil) throws(CatalogError) -> Catalog {
        let log = DiagnosticLog()
        let files = courseFiles ?? listCourseFiles(log: log)
        var courses: [(LoadedCourse, [Located<String>], SourceLocation)] = []
        for file in files {
            if let course = loadCourse(file, log: log) { courses.append(course) }
        }

        var seenCourses: [String: String] = [:]
        for (course, _, idLocation) in courses {
            if let other = seenCourses[course.definition.id] {
                log.report("the course id \"\(course.definition.id)\" is also used by \(other)", at: idLocation, field: "id")
            }
            seenCourses[course.definition.id] = course.sourcePath
        }

        let available = listExerciseFolders()
        let wanted: [String]
        if courseFiles == nil {
            wanted = available.sorted()
        } else {
            wanted = Array(Set(courses.flatMap { $0.0.definition.exerciseIDs })).filter(available.contains).sorted()
        }
        var exercises: [LoadedExercise] = []
        for id in wanted {
            if let exercise = loadExercise(folderName: id, log: log) { exercises.append(exercise) }
        }

        for (course, references, _) in courses {
            for reference in references where !available.contains(reference.value) {
                var message = "no exercise \"\(reference.value)\" exists (looked for \(display(exercisesFolder.appendingPathComponent(reference.value).appendingPathComponent("exercise.yaml"))))"
                if let guess = ObjectReader.closest(to: reference.value, among: available) {
                    message += "; did you mean \"\(guess)\"?"
                }
                log.report(message, at: reference.location, field: reference.field)
            }
            _ = course
        }

        guard log.isEmpty else { throw CatalogError(diagnostics: log.diagnostics) }
        return Catalog(courses: courses.map(\.0), exercises: exercises)
    }

    private func listCourseFiles(log: DiagnosticLog) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: coursesFolder.path)) ?? []
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        if files.isEmpty {
            log.report("no course files (*.yaml) found", at: SourceLocation(file: display(coursesFolder), line: 1, column: 1), field: "")
        }
        return files.map { coursesFolder.appendingPathComponent($0) }
    }

    private func listExerciseFolders() -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: exercisesFolder.path)) ?? []
        return Set(names.filter {
            FileManager.default.fileExists(atPath: exercisesFolder.appendingPathComponent($0).appendingPathComponent("exercise.yaml").path)
        })
    }

    private func loadCourse(_ url: URL, log: DiagnosticLog) -> (LoadedCourse, [Located<String>], SourceLocation)? {
        let path = display(url)
        guard let text = readText(url, display: path, log: log),
              let root = YAMLDocument.parse(text, file: path, log: log),
              let parsed = CourseParser.parse(root, log: log) else { return nil }
        let hash = Self.canonicalHash(parsed.definition)
        return (LoadedCourse(definition: parsed.definition, sourcePath: path, contentHash: hash), parsed.exerciseReferences, parsed.idLocation)
    }

    private func loadExercise(folderName: String, log: DiagnosticLog) -> LoadedExercise? {
        let folder = exercisesFolder.appendingPathComponent(folderName)
        let yamlURL = folder.appendingPathComponent("exercise.yaml")
        let path = display(yamlURL)
        guard let text = readText(yamlURL, display: path, log: log),
              let root = YAMLDocument.parse(text, file: path, log: log),
              let definition = ExerciseParser.parse(root, log: log, checker: parameterChecker) else { return nil }
        let files = readFolder(folder, display: path, log: log)
        checkFiles(of: definition, files: files, root: root, yamlPath: path, folderName: folderName, log: log)
        return LoadedExercise(definition: definition, folder: display(folder), files: files, contentHash: Self.hash(files))
    }

    /// Checks that what `exercise.yaml` names is really in the folder.
    private func checkFiles(of exercise: ExerciseDefinition, files: [String: Data], root: YAMLNode, yamlPath: String,
                            folderName: String, log: DiagnosticLog) {
        func location(_ path: [String]) -> SourceLocation {
            var node = root
            for key in path {
                if case let .mapping(pairs) = node.kind, let next = pairs.first(where: { $0.key.scalar == key })?.value {
                    node = next
                } else if case let .sequence(items) = node.kind, let index = Int(key), index < items.count {
                    node = items[index]
                }
            }
            return node.location
        }
        func hasFolder(_ name: String) -> Bool {
            let prefix = name.hasSuffix("/") ? name : name + "/"
            return files.keys.contains { $0.hasPrefix(prefix) }
        }

        if exercise.id != folderName {
            log.report("the id must match the folder name \"\(folderName)\"", at: location(["id"]), field: "id")
        }
        if files[exercise.statement] == nil {
            log.report("the statement file \"\(exercise.statement)\" is not in the exercise folder", at: location(["statement"]), field: "statement")
        }
        if !exercise.accept.contains(where: { Self.glob($0, matches: exercise.entry.file) }) {
            log.report("the entry file \"\(exercise.entry.file)\" is not matched by any accepted pattern, so no submission could contain it",
                       at: location(["accept"]), field: "accept")
        }
        if let starter = exercise.starter, !hasFolder(starter) {
            log.report("the starter folder \"\(starter)\" is missing or empty", at: location(["starter"]), field: "starter")
        }
        if !hasFolder(exercise.solution) {
            log.report("the solution folder \"\(exercise.solution)\" is missing or empty", at: location(["solution"]), field: "solution")
        } else if files["\(exercise.solution)/\(exercise.entry.file)"] == nil {
            log.report("the solution has no entry file \"\(exercise.entry.file)\"", at: location(["solution"]), field: "solution")
        }
        for (index, variant) in exercise.broken.enumerated() {
            if !hasFolder(variant.path) {
                log.report("the folder \"\(variant.path)\" is missing or empty", at: location(["broken", "\(index)", "path"]), field: "broken[\(index)].path")
            } else if files["\(variant.path)/\(exercise.entry.file)"] == nil {
                log.report("the variant has no entry file \"\(exercise.entry.file)\"", at: location(["broken", "\(index)", "path"]), field: "broken[\(index)].path")
            }
        }
    }

    private func readText(_ url: URL, display path: String, log: DiagnosticLog) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            log.report("cannot read the file", at: SourceLocation(file: path, line: 1, column: 1), field: "")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            log.report("the file is not UTF-8 text", at: SourceLocation(file: path, line: 1, column: 1), field: "")
            return nil
        }
        return text
    }

    private func readFolder(_ folder: URL, display path: String, log: DiagnosticLog) -> [String: Data] {
        var files: [String: Data] = [:]
        var total = 0
        let base = folder.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return files }
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") || name == "__pycache__" {
                walker.skipDescendants()
                continue
            }
            if name.hasSuffix(".pyc") { continue }
            var isDirectory: ObjCBool = false
            let full = base + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: full) else { continue }
            total += data.count
            files[relative] = data
        }
        if total > Self.maximumExerciseBytes {
            log.report("the exercise folder holds \(ByteCount(bytes: Int64(total))); at most \(ByteCount(bytes: Int64(Self.maximumExerciseBytes))) is stored",
                       at: SourceLocation(file: path, line: 1, column: 1), field: "")
        }
        return files
    }

    /// The path as the instructor would type it: relative to the working directory when inside it.
    func display(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let cwd = FileManager.default.currentDirectoryPath
        if path.hasPrefix(cwd + "/") { return String(path.dropFirst(cwd.count + 1)) }
        return path
    }

    /// sha256 over sorted paths and contents.
    public static func hash(_ files: [String: Data]) -> String {
        var hasher = SHA256()
        for path in files.keys.sorted() {
            hasher.update(data: Data(path.utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: Data(String(files[path]!.count).utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: files[path]!)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func canonicalHash<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Shell-style matching of a relative path (`*.py`, `lib/*.py`): `*` does not cross `/`,
    /// and a `**` part stands for any number of folders, none included (`**/*.py` is every
    /// Python file at any depth, `pkg/**/*.py` every one under `pkg`).
    public static func glob(_ pattern: String, matches path: String) -> Bool {
        guard pattern.contains("**") else { return fnmatch(pattern, path, FNM_PATHNAME) == 0 }
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let names = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // Part by part; a `**` either ends here or swallows one more folder. Memoized, so a
        // pattern of many `**` parts stays polynomial.
        var known: [Int: Bool] = [:]
        func match(_ i: Int, _ j: Int) -> Bool {
            let key = i * (names.count + 1) + j
            if let hit = known[key] { return hit }
            let result: Bool
            if i == parts.count {
                result = j == names.count
            } else if parts[i] == "**" {
                result = match(i + 1, j) || (j < names.count - 1 && match(i, j + 1))
            } else {
                result = j < names.count && fnmatch(parts[i], names[j], 0) == 0 && match(i + 1, j + 1)
            }
            known[key] = result
            return result
        }
        return match(0, 0)
    }
}
