import Foundation
import Grading
import Store

/// Feeds the hub from the two places events come from: the grading pool in this process (at
/// once, including per-scenario progress that is never stored) and the store's event log
/// (results written by any other process sharing the database, e.g. `classroom submit`).
///
/// Stored results are published once: the feed remembers the last event id it has seen, and
/// in-process results are recognised by their job ids when the log catches up.
public final class EventFeed: GradingObserver, @unchecked Sendable {
    public let hub: EventHub
    public let store: ClassroomStore
    /// Invalidated before a result is published, so whoever reacts to it reads fresh standings.
    public let scoreboards: ScoreboardCache
    /// Invalidated when the catalog changes.
    public let catalog: CatalogCache
    private let lock = NSLock()
    private var lastEventID: Int64 = 0
    private var publishedJobs = Set<Int64>()
    /// Grader failures (job, attempt) already published from this process's pool.
    private var publishedFailures = Set<[Int64]>()

    public init(hub: EventHub, store: ClassroomStore, scoreboards: ScoreboardCache, catalog: CatalogCache) {
        self.hub = hub
        self.store = store
        self.scoreboards = scoreboards
        self.catalog = catalog
    }

    private func publishResult(_ event: ClassroomEvent) {
        if case let .result(course, _, _, _, _, _) = event { scoreboards.invalidate(course) }
        hub.publish(event)
    }

    /// Starts from the end of the log: live views want what happens from now on.
    public func skipHistory() async throws(StoreError) {
        let last = try await store.latestEventID()
        lock.withLock { lastEventID = last }
    }

    /// Tails the event log until cancelled, every `interval` seconds.
    public func run(interval: Double = 0.05) async {
        while !Task.isCancelled {
            await poll()
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
        }
    }

    /// Publishes stored events newer than the last seen.
    public func poll() async {
        let after = lock.withLock { lastEventID }
        guard let events = try? await store.events(after: after, limit: 500), !events.isEmpty else { return }
        for event in events {
            guard let payload = try? JSONDecoder().decode([String: String].self, from: Data(event.payload.utf8)) else { continue }
            switch event.kind {
            case "result":
                guard let job = payload["job"].flatMap(Int64.init) else { continue }
                let fresh = lock.withLock { publishedJobs.insert(job).inserted }
                if fresh, let published = Self.result(from: payload) { publishResult(published) }
            case "grader.retry", "grader.error":
                // Failures from any grader sharing the database, including lease expiry.
                guard let job = payload["job"].flatMap(Int64.init), let attempt = payload["attempt"].flatMap(Int.init),
                      let failure = Self.failure(kind: event.kind, from: payload) else { continue }
                let fresh = lock.withLock { publishedFailures.insert([job, Int64(attempt)]).inserted }
                if fresh { hub.publish(failure) }
            case "catalog.loaded", "student.added":
                // New exercises or new students change both the courses and their boards.
                catalog.invalidate()
                scoreboards.invalidate()
                if event.kind == "student.added" { continue }
                hub.publish(.catalogChanged)
            default:
                break
            }
        }
        lock.withLock {
            lastEventID = max(lastEventID, events.last!.id!)
            if publishedJobs.count > 100_000 { publishedJobs.removeAll() }
            if publishedFailures.count > 100_000 { publishedFailures.removeAll() }
        }
    }

    static func result(from payload: [String: String]) -> ClassroomEvent? {
        guard let course = payload["course"], let student = payload["student"], let exercise = payload["exercise"],
              let submission = payload["submission"].flatMap(Int64.init), let score = payload["score"].flatMap(Int.init),
              let max = payload["max"].flatMap(Int.init) else { return nil }
        return .result(course: course, student: student, exercise: exercise, submission: submission, score: score, max: max)
    }

    static func failure(kind: String, from payload: [String: String]) -> ClassroomEvent? {
        guard let submission = payload["submission"].flatMap(Int64.init), let student = payload["student"],
              let attempt = payload["attempt"].flatMap(Int.init), let max = payload["maxAttempts"].flatMap(Int.init) else { return nil }
        let message = payload["error"] ?? ""
        return kind == "grader.error" ? .graderError(submission: submission, student: student, message: message)
            : .graderRetry(submission: submission, student: student, attempt: attempt, maxAttempts: max, message: message)
    }

    // MARK: GradingObserver

    public func scenarioFinished(_ job: ClaimedJob, _ outcome: ScenarioOutcome) async {
        hub.publish(.progress(submission: job.submission.id!, student: job.studentName, scenario: outcome.name,
                              outcome: outcome.outcome.rawValue, points: outcome.points, max: outcome.maxPoints))
    }

    public func jobFinished(_ job: ClaimedJob, job record: GradingJobRecord, outcomes: [ScenarioOutcome]) async {
        let fresh = lock.withLock { publishedJobs.insert(record.id!).inserted }
        guard fresh else { return }
        publishResult(.result(course: job.submission.courseId, student: job.studentName, exercise: job.submission.exerciseId,
                            submission: job.submission.id!, score: record.score ?? 0, max: record.maxScore ?? 0))
    }

    public func jobRetrying(_ job: ClaimedJob, error: String, attempt: Int, maxAttempts: Int) async {
        guard lock.withLock({ publishedFailures.insert([job.job.id!, Int64(attempt)]).inserted }) else { return }
        hub.publish(.graderRetry(submission: job.submission.id!, student: job.studentName, attempt: attempt, maxAttempts: maxAttempts, message: error))
    }

    public func jobFailed(_ job: ClaimedJob, error: String) async {
        guard lock.withLock({ publishedFailures.insert([job.job.id!, Int64(job.job.attempts)]).inserted }) else { return }
        hub.publish(.graderError(submission: job.submission.id!, student: job.studentName, message: error))
    }
}
