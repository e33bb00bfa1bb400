import Foundation
import Grading
import Store
import Synchronization

/// Feeds the hub from the two places events come from: the grading pool in this process (at
/// once, including per-scenario progress that is never stored) and the store's event log
/// (results written by any other process sharing the database, e.g. `classroom submit`).
///
/// Stored results are published once: the feed remembers the last event id it has seen, and
/// in-process results are recognised by their job ids when the log catches up. Each result is
/// counted on its course's live board before it is published, so the event carries the
/// student's new standing and whoever reacts to it reads a board that includes it.
public final class EventFeed: GradingObserver, Sendable {
    public let hub: EventHub
    public let store: ClassroomStore
    /// Kept live: every result is counted on it before it is published.
    public let scoreboards: ScoreboardCache
    /// Invalidated when the catalog changes.
    public let catalog: CatalogCache
    private let seen = Mutex(Seen())

    private struct Seen {
        var lastEventID: Int64 = 0
        var publishedJobs = Set<Int64>()
        /// Grader failures (job, attempt) already published from this process's pool.
        var publishedFailures = Set<[Int64]>()
    }

    public init(hub: EventHub, store: ClassroomStore, scoreboards: ScoreboardCache, catalog: CatalogCache) {
        self.hub = hub
        self.store = store
        self.scoreboards = scoreboards
        self.catalog = catalog
    }

    private func publishResult(_ graded: GradedSubmission, max: Int) async {
        let standing = await scoreboards.record(graded)
        hub.publish(.result(course: graded.course, student: graded.student, exercise: graded.exercise, submission: graded.submission,
                            score: graded.score, max: max, standing: standing))
    }

    /// The newest event of the store's log this feed has acted on.
    public var lastSeenEventID: Int64 { seen.withLock { $0.lastEventID } }

    /// Starts from the end of the log (live views want what happens from now on) with every
    /// course's board built from the store.
    public func skipHistory() async throws(StoreError) {
        let last = try await store.latestEventID()
        seen.withLock { $0.lastEventID = last }
        try await scoreboards.prepare(Array(try await catalog.all().keys).sorted())
    }

    /// Tails the event log until cancelled: every `interval` seconds on SQLite; on PostgreSQL
    /// whenever any machine commits events (LISTEN/NOTIFY), with a catch-up read each second.
    public func run(interval: Double = 0.05) async {
        while !Task.isCancelled {
            await poll()
            await store.waitForEvents(upTo: interval)
        }
    }

    /// A stored event, decoded: what the feed acts on.
    private enum Logged {
        case result(job: Int64, max: Int)
        /// A grader retry or error, from any grader sharing the database (lease expiry too).
        case failure(job: Int64, attempt: Int, ClassroomEvent)
        case catalogLoaded
        case studentAdded(course: String?)
        case recount(course: String?)
        case other
    }

    /// Publishes stored events newer than the last seen.
    public func poll() async {
        let after = seen.withLock { $0.lastEventID }
        let events: [EventRecord]
        do {
            events = try await store.events(after: after, limit: 500)
        } catch {
            // The next poll tries again; a database that stays unreadable shows in every request.
            return
        }
        guard let last = events.last?.id else { return }
        let logged = events.map(Self.decode)
        // Results from other processes are counted with what the store says they graded, read
        // for the whole batch at once.
        let fresh = seen.withLock { seen in
            logged.compactMap { entry -> Int64? in
                guard case let .result(job, _) = entry, seen.publishedJobs.insert(job).inserted else { return nil }
                return job
            }
        }
        let graded: [Int64: GradedSubmission]
        do {
            graded = Dictionary(try await store.gradedSubmissions(jobs: fresh).map { ($0.job, $0) }, uniquingKeysWith: { a, _ in a })
        } catch {
            // Forget them so the next poll reads them again.
            seen.withLock { seen in for job in fresh { seen.publishedJobs.remove(job) } }
            return
        }
        for (index, entry) in logged.enumerated() {
            // A batch can hold hundreds of results: let the connections take what is queued.
            if index % 32 == 31 { await Task.yield() }
            switch entry {
            case let .result(job, max):
                if let result = graded[job] { await publishResult(result, max: max) }
            case let .failure(job, attempt, event):
                let fresh = seen.withLock { $0.publishedFailures.insert([job, Int64(attempt)]).inserted }
                if fresh { hub.publish(event) }
            case .catalogLoaded:
                // New exercises or changed scoring: courses and every board are read again.
                catalog.invalidate()
                scoreboards.invalidate()
                hub.publish(.catalogChanged)
            case let .studentAdded(course):
                catalog.invalidate()
                scoreboards.invalidate(course)
            case let .recount(course):
                scoreboards.invalidate(course)
            case .other:
                break
            }
        }
        seen.withLock { seen in
            seen.lastEventID = Swift.max(seen.lastEventID, last)
            if seen.publishedJobs.count > 100_000 { seen.publishedJobs.removeAll() }
            if seen.publishedFailures.count > 100_000 { seen.publishedFailures.removeAll() }
        }
    }

    private static func decode(_ event: EventRecord) -> Logged {
        guard let payload = try? JSONDecoder().decode([String: String].self, from: Data(event.payload.utf8)) else { return .other }
        switch event.kind {
        case "result":
            guard let job = payload["job"].flatMap(Int64.init), let max = payload["max"].flatMap(Int.init) else { return .other }
            return .result(job: job, max: max)
        case "grader.retry", "grader.error":
            guard let job = payload["job"].flatMap(Int64.init), let attempt = payload["attempt"].flatMap(Int.init),
                  let failure = failure(kind: event.kind, from: payload) else { return .other }
            return .failure(job: job, attempt: attempt, failure)
        case "catalog.loaded": return .catalogLoaded
        case "student.added": return .studentAdded(course: payload["course"])
        // A regrade's results replace scores one by one, but its queueing may follow a new
        // exercise version; an import adds history no result event describes.
        case "regrade.queued": return .recount(course: nil)
        case "history.imported": return .recount(course: payload["course"])
        // A withdrawn student leaves every board; an extension changes what a late
        // submission counts for. Neither names its courses, so every board is read again.
        case "student.withdrawn", "student.extended": return .recount(course: nil)
        default: return .other
        }
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
        let fresh = seen.withLock { $0.publishedJobs.insert(record.id!).inserted }
        guard fresh else { return }
        let submission = job.submission
        await publishResult(GradedSubmission(submission: submission.id!, course: submission.courseId, student: job.studentName,
                                             exercise: submission.exerciseId, submittedAt: submission.submittedAt,
                                             job: record.id!, score: record.score ?? 0),
                            max: record.maxScore ?? 0)
    }

    public func jobRetrying(_ job: ClaimedJob, error: String, attempt: Int, maxAttempts: Int) async {
        guard seen.withLock({ $0.publishedFailures.insert([job.job.id!, Int64(attempt)]).inserted }) else { return }
        hub.publish(.graderRetry(submission: job.submission.id!, student: job.studentName, attempt: attempt, maxAttempts: maxAttempts, message: error))
    }

    public func jobFailed(_ job: ClaimedJob, error: String) async {
        guard seen.withLock({ $0.publishedFailures.insert([job.job.id!, Int64(job.job.attempts)]).inserted }) else { return }
        hub.publish(.graderError(submission: job.submission.id!, student: job.studentName, message: error))
    }
}
