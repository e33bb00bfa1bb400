import Catalog
import Foundation

/// The classroom's durable state, behind one API whatever holds it: a SQLite file (the
/// embedded default) or a PostgreSQL server shared by many grading machines and front ends.
///
/// Grading, Events, Server and the CLI use only this class; which backend answers is decided
/// once, by the location given to ``open(_:migrate:)`` (a path, or a `postgres://` URL). All SQL
/// lives in this module, and every change that matters is one transaction in either backend.
public final class ClassroomStore: Sendable {
    /// The backend that answers every call.
    public let backend: any StoreBackend

    /// Where the data lives, as the instructor wrote it (a path, or a URL without its password).
    public var path: String { backend.location }

    /// Whether this store is shared through a PostgreSQL server.
    public var isShared: Bool { backend is PostgresStore }

    /// Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
    public init(path: String) throws(StoreError) {
        backend = try SQLiteStore(path: path)
    }

    public init(backend: any StoreBackend) {
        self.backend = backend
    }

    /// Opens the store at `location`: a `postgres://user[:password]@host[:port]/database` URL
    /// (or `postgresql://`), or else a SQLite file path. With `migrate`, an older schema is
    /// brought up to date; without, a PostgreSQL database on an older schema is refused with
    /// a line that says how to migrate it, since many machines share it and one must go first.
    public static func open(_ location: String, migrate: Bool = true) async throws(StoreError) -> ClassroomStore {
        switch try StoreLocation(location) {
        case let .sqlite(path):
            return try ClassroomStore(path: path)
        case let .postgres(url):
            return ClassroomStore(backend: try await PostgresStore.connect(url, migrate: migrate))
        }
    }

    /// Returns when an event may have been appended (PostgreSQL notifies every listener), or
    /// after `seconds` at the latest: the event log stays the truth, this only says when to read it.
    public func waitForEvents(upTo seconds: Double) async {
        await backend.waitForEvents(upTo: seconds)
    }

    /// Records that the grading machine `machine` is alive with `workers` workers.
    public func heartbeat(machine: String, workers: Int, now: Date = Date()) async throws(StoreError) {
        try await backend.heartbeat(machine: machine, workers: workers, now: now)
    }

    /// Every row of every table, in one consistent read (`classroom db copy`).
    public func exportTables() async throws(StoreError) -> [StoreTable] {
        try await backend.exportTables()
    }

    /// Writes `tables` into this store in one transaction, keeping their ids.
    public func importTables(_ tables: [StoreTable]) async throws(StoreError) {
        try await backend.importTables(tables)
    }

    /// Closes connections (PostgreSQL); the store must not be used afterwards.
    public func close() async {
        await backend.close()
    }

    /// Stores the catalog in one transaction. Loading the same files again changes nothing; a changed exercise becomes a new version and the report counts the submissions it affects.
    public func load(_ catalog: Catalog, now: Date = Date()) async throws(StoreError) -> LoadReport {
        try await backend.load(catalog, now: now)
    }

    /// Every loaded course, by id.
    public func courses() async throws(StoreError) -> [CourseOverview] {
        try await backend.courses()
    }

    /// One course, or `.notFound`.
    public func course(_ id: String) async throws(StoreError) -> CourseOverview {
        try await backend.course(id)
    }

    /// The current version of every exercise.
    public func exercises() async throws(StoreError) -> [ExerciseOverview] {
        try await backend.exercises()
    }

    /// One exercise's current version, or `.notFound`.
    public func exercise(_ id: String) async throws(StoreError) -> ExerciseOverview {
        try await backend.exercise(id)
    }

    /// The files of one exercise version, keyed by path relative to the exercise folder.
    public func exerciseFiles(_ id: String, version: Int) async throws(StoreError) -> [String: Data] {
        try await backend.exerciseFiles(id, version: version)
    }

    /// Events after `id` (0 for all), oldest first.
    public func events(after id: Int64 = 0, limit: Int = 1000) async throws(StoreError) -> [EventRecord] {
        try await backend.events(after: id, limit: limit)
    }

    /// The newest event's id (0 when the log is empty).
    public func latestEventID() async throws(StoreError) -> Int64 {
        try await backend.latestEventID()
    }

    /// The gradebook of `course`: withdrawn students left out, each submission counted through its latest finished grading after the late policy.
    public func gradebook(course courseId: String) async throws(StoreError) -> Gradebook {
        try await backend.gradebook(course: courseId)
    }

    /// The files of every counted submission of `course`, with the gradebook they come from.
    public func countedFiles(course courseId: String) async throws(StoreError) -> (Gradebook, [Int64: [String: Data]]) {
        try await backend.countedFiles(course: courseId)
    }

    /// Where a job is, or nil if there is no such job.
    public func jobState(_ id: Int64) async throws(StoreError) -> GradingJobRecord.State? {
        try await backend.jobState(id)
    }

    /// Jobs waiting or running, to know when a grader is idle.
    public func pendingJobCount() async throws(StoreError) -> Int {
        try await backend.pendingJobCount()
    }

    /// Queues a regrade, against its current version, of every submission of `exercise` that can count (all of them where the course counts the best, each student's latest where it counts the latest); returns the submissions queued.
    public func queueRegrade(exercise exerciseId: String, now: Date = Date()) async throws(StoreError) -> [SubmissionRecord] {
        try await backend.queueRegrade(exercise: exerciseId, now: now)
    }

    /// Submissions with their latest grading, newest first, optionally for one student and/or exercise.
    public func results(student: String? = nil, exercise: String? = nil, submission: Int64? = nil, limit: Int = 200) async throws(StoreError) -> [SubmissionResult] {
        try await backend.results(student: student, exercise: exercise, submission: submission, limit: limit)
    }

    /// Records graded submissions as if submitted and graded at their times, in one transaction (benchmarks and tests of how the server scales with history).
    public func importHistory(_ results: [HistoricalResult], now: Date = Date()) async throws(StoreError) {
        try await backend.importHistory(results, now: now)
    }

    /// Claims the oldest queued job (or the given one) for `worker`, after recovering expired leases, in one transaction, so two workers (in two processes or on two machines) never grade the same job at once.
    public func claimJob(worker: String, only jobId: Int64? = nil, terms: LeaseTerms = LeaseTerms(), now: Date = Date()) async throws(StoreError) -> ClaimedJob? {
        try await backend.claimJob(worker: worker, only: jobId, terms: terms, now: now)
    }

    /// Extends the claim's lease; false when the claim is no longer current, in which case the grader must stop and write nothing.
    public func renewLease(_ claimed: ClaimedJob, terms: LeaseTerms = LeaseTerms(), now: Date = Date()) async throws(StoreError) -> Bool {
        try await backend.renewLease(claimed, terms: terms, now: now)
    }

    /// Recovers running jobs whose lease expired: queued again, or after `maxAttempts` recorded as grader errors.
    public func expireLeases(terms: LeaseTerms = LeaseTerms(), now: Date = Date()) async throws(StoreError) -> RecoveryReport {
        try await backend.expireLeases(terms: terms, now: now)
    }

    /// Records a finished job (every scenario result, the total and a `result` event) in one transaction fenced by the claim's lease: a claim that is no longer current writes nothing and gets nil.
    @discardableResult
    public func finishJob(_ claimed: ClaimedJob, results: [ScenarioResultInput], isolation: String, now: Date = Date()) async throws(StoreError) -> GradingJobRecord? {
        try await backend.finishJob(claimed, results: results, isolation: isolation, now: now)
    }

    /// Records that grading itself failed (fenced by the lease): retried while attempts remain, then kept as a grader error never charged to the student.
    @discardableResult
    public func failJob(_ claimed: ClaimedJob, error: String, terms: LeaseTerms = LeaseTerms(), now: Date = Date()) async throws(StoreError) -> FailureOutcome {
        try await backend.failJob(claimed, error: error, terms: terms, now: now)
    }

    /// Hands a claimed job back to the queue without counting the attempt (a clean shutdown).
    public func releaseJob(_ claimed: ClaimedJob) async throws(StoreError) {
        try await backend.releaseJob(claimed)
    }

    /// The course's definition, students and graded submissions, as one consistent snapshot.
    public func scoreboardSource(course courseId: String) async throws(StoreError) -> ScoreboardSource {
        try await backend.scoreboardSource(course: courseId)
    }

    /// The graded submissions finished by `jobs` (unknown or unfinished jobs are left out).
    public func gradedSubmissions(jobs: [Int64]) async throws(StoreError) -> [GradedSubmission] {
        try await backend.gradedSubmissions(jobs: jobs)
    }

    /// Issues a new token to `name`; the old one stops working from now on.
    public func reissueToken(student name: String, now: Date = Date()) async throws(StoreError) -> IssuedToken {
        try await backend.reissueToken(student: name, now: now)
    }

    /// Withdraws `name`: their history stays, but they cannot log in and count on no board or export.
    public func withdraw(student name: String, now: Date = Date()) async throws(StoreError) -> StudentRecord {
        try await backend.withdraw(student: name, now: now)
    }

    /// Gives `name` their own deadline for `exercise` (replacing an earlier extension).
    public func extendDeadline(student name: String, exercise: String, until: Date, now: Date = Date()) async throws(StoreError) -> DeadlineExtensionRecord {
        try await backend.extendDeadline(student: name, exercise: exercise, until: until, now: now)
    }

    /// The student's enrolments, extensions and submissions.
    public func studentDetail(_ name: String) async throws(StoreError) -> StudentDetail {
        try await backend.studentDetail(name)
    }

    /// Creates a student enrolled in `course` and returns their token (shown once).
    public func addStudent(name: String, email: String? = nil, displayName: String? = nil, course: String, now: Date = Date()) async throws(StoreError) -> IssuedToken {
        try await backend.addStudent(name: name, email: email, displayName: displayName, course: course, now: now)
    }

    /// Adds every row to `course` in one transaction; running it again changes nothing.
    public func importStudents(_ rows: [StudentRow], course: String, now: Date = Date()) async throws(StoreError) -> [ImportOutcome] {
        try await backend.importStudents(rows, course: course, now: now)
    }

    /// Every student, by name, with their courses.
    public func students() async throws(StoreError) -> [StudentOverview] {
        try await backend.students()
    }

    /// The student whose name and token match, or nil (a withdrawn student is refused like a wrong token).
    public func authenticate(name: String, token: String) async throws(StoreError) -> StudentRecord? {
        try await backend.authenticate(name: name, token: token)
    }

    /// Stores a submission and queues its grading job in one transaction (refused with `rateLimited` when `perMinute` submissions were made in the last minute). It counts in `course` when given, else in the first (by id) of the student's courses that has the exercise.
    public func submit(student name: String, exercise exerciseId: String, course courseId: String? = nil, files: [String: Data],
                       perMinute: Int? = nil, now: Date = Date()) async throws(StoreError) -> AcceptedSubmission {
        try await backend.submit(student: name, exercise: exerciseId, course: courseId, files: files, perMinute: perMinute, now: now)
    }

    /// The files of a submission, by path.
    public func submissionFiles(_ submissionId: Int64) async throws(StoreError) -> [String: Data] {
        try await backend.submissionFiles(submissionId)
    }

    /// The courses `student` is enrolled in, by id.
    public func courses(of student: String) async throws(StoreError) -> [String] {
        try await backend.courses(of: student)
    }

    /// Whether the database's schema is the newest this build knows.
    public func isMigrated() async throws(StoreError) -> Bool {
        try await backend.isMigrated()
    }

    /// How many rows each table holds, e.g. to show that a reload changed nothing.
    public func rowCounts() async throws(StoreError) -> [String: Int] {
        try await backend.rowCounts()
    }

    /// The graders holding or having held jobs, with their running jobs and last lease renewal.
    public func gradingMachines(now: Date = Date()) async throws(StoreError) -> [GradingMachine] {
        try await backend.gradingMachines(now: now)
    }

    /// The scoreboard of `course`, recomputed from every graded submission: per student and
    /// exercise, the submission the course's policy counts (best, earliest breaking ties; or
    /// latest), after late penalties. Each submission counts through its most recent finished
    /// grading only, so a retried or regraded job is never counted twice.
    ///
    /// Live views keep a board up to date result by result instead (see `Events`); this full
    /// pass is what they are built from and checked against.
    public func scoreboard(course courseId: String) async throws(StoreError) -> Scoreboard {
        let source = try await scoreboardSource(course: courseId)
        let definition = source.definition
        let courseExercises = Set(definition.exerciseIDs)

        struct Counted { var score: Int; var at: Date }
        var counted: [String: [String: Counted]] = [:]
        for graded in source.graded where courseExercises.contains(graded.exercise) {
            let value = Counted(score: source.counted(graded), at: graded.submittedAt)
            var perExercise = counted[graded.student] ?? [:]
            if let previous = perExercise[graded.exercise], definition.scoring.counts == .best, previous.score >= value.score {
                // An earlier submission already reached at least this score.
            } else {
                perExercise[graded.exercise] = value
            }
            counted[graded.student] = perExercise
        }

        var rows = source.students.map { student -> Scoreboard.Row in
            let perExercise = counted[student] ?? [:]
            let reached = perExercise.values.filter { $0.score > 0 }.map(\.at).max()
            return Scoreboard.Row(rank: 0, student: student, total: perExercise.values.reduce(0) { $0 + $1.score },
                                  scores: perExercise.mapValues(\.score), reachedAt: reached)
        }
        rows.sort {
            if $0.total != $1.total { return $0.total > $1.total }
            if $0.reachedAt != $1.reachedAt { return ($0.reachedAt ?? .distantFuture) < ($1.reachedAt ?? .distantFuture) }
            return $0.student < $1.student
        }
        for index in rows.indices {
            let tied = index > 0 && rows[index].total == rows[index - 1].total && rows[index].reachedAt == rows[index - 1].reachedAt
            rows[index].rank = tied ? rows[index - 1].rank : index + 1
        }
        return Scoreboard(course: courseId, exercises: definition.exerciseIDs, maxPoints: source.maxPoints, rows: rows)
    }
}

extension ClassroomStore {
    /// What became of a job whose grading failed for a reason of the grader's.
    public enum FailureOutcome: Sendable, Hashable {
        /// Queued again; `attempt` attempts of `maxAttempts` are used.
        case retrying(attempt: Int, maxAttempts: Int)
        /// Every attempt failed: a grader error, never counted against the student.
        case gaveUp(attempts: Int)
        /// The claim was no longer current; nothing was written.
        case stale
    }

    /// Display names are shown, never parsed: any printable text up to 100 characters.
    public static func validateDisplayName(_ name: String) throws(StoreError) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        let printable = trimmed.unicodeScalars.allSatisfy { !CharacterSet.controlCharacters.contains($0) }
        guard !trimmed.isEmpty, trimmed == name, name.count <= 100, printable else {
            throw .invalid("a display name is 1 to 100 printable characters without leading or trailing spaces; got \"\(DisplayText.escaped(name))\"")
        }
    }

    /// Student names travel in protocol lines (`HELLO alice …`), so they stay simple.
    public static func validateStudentName(_ name: String) throws(StoreError) {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw .invalid("a student name is 1 to 64 letters, digits, dots, dashes or underscores, without spaces; got \"\(name)\"")
        }
    }

    /// The most a submission may hold: student programs are small, and the database keeps them all.
    public static let maximumSubmissionBytes = 1 << 20

    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try jsonEncoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(json.utf8))
    }
}
