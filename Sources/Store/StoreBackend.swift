import Catalog
import Foundation

/// What a backend of ``ClassroomStore`` answers: the same meaning on SQLite and PostgreSQL, each
/// with its own SQL and migrations. Every method is one transaction (or one consistent read).
///
/// Defaults for `now:` and the like live on ``ClassroomStore``, which fronts a backend; tests
/// pass their own times to exercise leases and deadlines.
public protocol StoreBackend: Sendable {
    /// Where the data lives, for messages (never holds a password).
    var location: String { get }

    /// Waits until an event may have been appended, or `seconds` at the latest.
    func waitForEvents(upTo seconds: Double) async

    /// Records that a grading machine is alive.
    func heartbeat(machine: String, workers: Int, now: Date) async throws(StoreError)

    /// Closes connections.
    func close() async

    /// Stores the catalog in one transaction. Loading the same files again changes nothing; a changed exercise becomes a new version and the report counts the submissions it affects.
    func load(_ catalog: Catalog, now: Date) async throws(StoreError) -> LoadReport

    /// Every loaded course, by id.
    func courses() async throws(StoreError) -> [CourseOverview]

    /// One course, or `.notFound`.
    func course(_ id: String) async throws(StoreError) -> CourseOverview

    /// The current version of every exercise.
    func exercises() async throws(StoreError) -> [ExerciseOverview]

    /// One exercise's current version, or `.notFound`.
    func exercise(_ id: String) async throws(StoreError) -> ExerciseOverview

    /// The files of one exercise version, keyed by path relative to the exercise folder.
    func exerciseFiles(_ id: String, version: Int) async throws(StoreError) -> [String: Data]

    /// Events after `id` (0 for all), oldest first.
    func events(after id: Int64, limit: Int) async throws(StoreError) -> [EventRecord]

    /// The newest event's id (0 when the log is empty).
    func latestEventID() async throws(StoreError) -> Int64

    /// The gradebook of `course`: withdrawn students left out, each submission counted through its latest finished grading after the late policy.
    func gradebook(course courseId: String) async throws(StoreError) -> Gradebook

    /// The files of every counted submission of `course`, with the gradebook they come from.
    func countedFiles(course courseId: String) async throws(StoreError) -> (Gradebook, [Int64: [String: Data]])

    /// Where a job is, or nil if there is no such job.
    func jobState(_ id: Int64) async throws(StoreError) -> GradingJobRecord.State?

    /// Jobs waiting or running, to know when a grader is idle.
    func pendingJobCount() async throws(StoreError) -> Int

    /// Queues a regrade of every submission of `exercise` that can count, against its current version; returns the submissions queued.
    func queueRegrade(exercise exerciseId: String, now: Date) async throws(StoreError) -> [SubmissionRecord]

    /// Submissions with their latest grading, newest first, optionally for one student and/or exercise.
    func results(student: String?, exercise: String?, submission: Int64?, limit: Int) async throws(StoreError) -> [SubmissionResult]

    /// Records graded submissions as if submitted and graded at their times, in one transaction (benchmarks and tests of how the server scales with history).
    func importHistory(_ results: [HistoricalResult], now: Date) async throws(StoreError)

    /// Claims the oldest queued job (or the given one) for `worker`, after recovering expired leases, in one transaction, so two workers (in two processes or on two machines) never grade the same job at once.
    func claimJob(worker: String, only jobId: Int64?, terms: LeaseTerms, now: Date) async throws(StoreError) -> ClaimedJob?

    /// Extends the claim's lease; false when the claim is no longer current, in which case the grader must stop and write nothing.
    func renewLease(_ claimed: ClaimedJob, terms: LeaseTerms, now: Date) async throws(StoreError) -> Bool

    /// Recovers running jobs whose lease expired: queued again, or after `maxAttempts` recorded as grader errors.
    func expireLeases(terms: LeaseTerms, now: Date) async throws(StoreError) -> RecoveryReport

    /// Records a finished job (every scenario result, the total and a `result` event) in one transaction fenced by the claim's lease: a claim that is no longer current writes nothing and gets nil.
    func finishJob(_ claimed: ClaimedJob, results: [ScenarioResultInput], isolation: String, now: Date) async throws(StoreError) -> GradingJobRecord?

    /// Records that grading itself failed (fenced by the lease): retried while attempts remain, then kept as a grader error never charged to the student.
    func failJob(_ claimed: ClaimedJob, error: String, terms: LeaseTerms, now: Date) async throws(StoreError) -> ClassroomStore.FailureOutcome

    /// Hands a claimed job back to the queue without counting the attempt (a clean shutdown).
    func releaseJob(_ claimed: ClaimedJob) async throws(StoreError)

    /// The course's definition, students and graded submissions, as one consistent snapshot.
    func scoreboardSource(course courseId: String) async throws(StoreError) -> ScoreboardSource

    /// The graded submissions finished by `jobs` (unknown or unfinished jobs are left out).
    func gradedSubmissions(jobs: [Int64]) async throws(StoreError) -> [GradedSubmission]

    /// Issues a new token to `name`; the old one stops working from now on.
    func reissueToken(student name: String, now: Date) async throws(StoreError) -> IssuedToken

    /// Withdraws `name`: their history stays, but they cannot log in and count on no board or export.
    func withdraw(student name: String, now: Date) async throws(StoreError) -> StudentRecord

    /// Gives `name` their own deadline for `exercise` (replacing an earlier extension).
    func extendDeadline(student name: String, exercise: String, until: Date, now: Date) async throws(StoreError) -> DeadlineExtensionRecord

    /// The student's enrolments, extensions and submissions.
    func studentDetail(_ name: String) async throws(StoreError) -> StudentDetail

    /// Creates a student enrolled in `course` and returns their token (shown once).
    func addStudent(name: String, email: String?, displayName: String?, course: String, now: Date) async throws(StoreError) -> IssuedToken

    /// Adds every row to `course` in one transaction; running it again changes nothing.
    func importStudents(_ rows: [StudentRow], course: String, now: Date) async throws(StoreError) -> [ImportOutcome]

    /// Every student, by name, with their courses.
    func students() async throws(StoreError) -> [StudentOverview]

    /// The student whose name and token match, or nil (a withdrawn student is refused like a wrong token).
    func authenticate(name: String, token: String) async throws(StoreError) -> StudentRecord?

    /// Stores a submission and queues its grading job in one transaction (refused with `rateLimited` when `perMinute` submissions were made in the last minute).
    func submit(student name: String, exercise exerciseId: String, course courseId: String?, files: [String: Data], perMinute: Int?, now: Date) async throws(StoreError) -> AcceptedSubmission

    /// The files of a submission, by path.
    func submissionFiles(_ submissionId: Int64) async throws(StoreError) -> [String: Data]

    /// The courses `student` is enrolled in, by id.
    func courses(of student: String) async throws(StoreError) -> [String]

    /// Whether the database's schema is the newest this build knows.
    func isMigrated() async throws(StoreError) -> Bool

    /// How many rows each table holds, e.g. to show that a reload changed nothing.
    func rowCounts() async throws(StoreError) -> [String: Int]

    /// The graders holding or having held jobs, with their running jobs and last lease renewal.
    func gradingMachines(now: Date) async throws(StoreError) -> [GradingMachine]

    /// Sets `name`'s instructor token hash, adding the instructor if new.
    func setInstructor(name: String, tokenHash: String, now: Date) async throws(StoreError)

    /// The stored hash of instructor `name`'s token, or nil if there is no such instructor.
    func instructorTokenHash(name: String) async throws(StoreError) -> String?

    /// Every instructor's name, in order.
    func instructors() async throws(StoreError) -> [String]

    /// Every row of every table (``StoreSchema/columns``), in one consistent read.
    func exportTables() async throws(StoreError) -> [StoreTable]

    /// Writes `tables` into this store, in one transaction, keeping their ids.
    func importTables(_ tables: [StoreTable]) async throws(StoreError)
}
