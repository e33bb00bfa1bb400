import Foundation
import PluginKit
import Store

/// Grades queued jobs with a fixed number of concurrent workers.
///
/// Jobs live in SQLite: a worker claims one in a transaction and receives a lease, renews the
/// lease while it grades, and writes every scenario result and the total in one more
/// transaction fenced by that lease. A grader that dies stops renewing; once its lease expires
/// any grading process sharing the database queues the job again (at most `maxAttempts` claims,
/// then a grader error that is never charged to the student). A grader that was merely slow
/// and lost its lease notices at its next renewal, stops, and cannot write: so a submission is
/// never lost, never graded by two graders at once, and never counted twice.
public final class GradingPool: Sendable {
    public let store: ClassroomStore
    public let grader: Grader
    public let workers: Int
    public let terms: LeaseTerms
    /// Called as each scenario of a job lands (live progress), and when a job is done.
    public let observer: GradingObserver?
    private let doorbell = Doorbell()
    private let identity: String
    private let stopping = StopFlag()
    /// Set when running jobs must be abandoned (handed back) rather than finished.
    private let abandoning = StopFlag()

    public var maxAttempts: Int { terms.maxAttempts }

    /// Workers default to the number of cores: grading is mostly waiting on student programs
    /// and python start-up, and one job per core keeps latency low under load.
    public static var defaultWorkers: Int { max(2, ProcessInfo.processInfo.activeProcessorCount) }

    public init(store: ClassroomStore, grader: Grader, workers: Int = GradingPool.defaultWorkers, terms: LeaseTerms = LeaseTerms(),
                observer: GradingObserver? = nil) {
        self.store = store
        self.grader = grader
        self.workers = max(1, workers)
        self.terms = terms
        self.observer = observer
        self.identity = "\(ProcessInfo.processInfo.hostName)-\(getpid())"
    }

    /// Tells idle workers that a job was just queued (jobs queued by other processes are
    /// found by polling).
    public func wake() { doorbell.ring() }

    /// Stops claiming new jobs; workers finish the job in hand and `run` returns. After
    /// `grace` seconds (if given) the jobs still running are cancelled and handed back to the
    /// queue uncounted, so a shutdown is bounded whatever the submissions do.
    public func stop(abandonAfter grace: Double? = nil) {
        stopping.set()
        doorbell.ring()
        guard let grace else { return }
        Task {
            try? await Task.sleep(nanoseconds: UInt64(max(0, grace) * 1e9))
            abandoning.set()
        }
    }

    /// Runs the workers until stopped or cancelled, or with `untilIdle` until no job is queued
    /// or running; returns what lease expiry recovered meanwhile.
    public func run(untilIdle: Bool = false) async throws(StoreError) -> RecoveryReport {
        await withTaskGroup(of: RecoveryReport.self) { group in
            for index in 0..<workers {
                group.addTask { await self.work(name: "\(self.identity)-w\(index)", untilIdle: untilIdle) }
            }
            return await group.reduce(RecoveryReport(), +)
        }
    }

    private func work(name: String, untilIdle: Bool) async -> RecoveryReport {
        var recovered = RecoveryReport()
        while !Task.isCancelled && !stopping.isSet {
            do {
                // Expiry is applied continuously: a job whose grader died is noticed by whoever
                // is looking for work, whether or not anything new is queued.
                recovered = recovered + (try await store.expireLeases(terms: terms))
                if let claimed = try await store.claimJob(worker: name, terms: terms) {
                    await grade(claimed)
                    continue
                }
                if untilIdle, try await store.pendingJobCount() == 0 { return recovered }
            } catch {
                // The database is busy or briefly unavailable: back off rather than spin.
            }
            await doorbell.wait(upTo: 0.25)
        }
        return recovered
    }

    /// Grades `jobId` until it has an outcome: claims it, grades it, and if the grader failed
    /// and attempts remain, claims it again (a local `classroom submit`). If another grader
    /// holds it, waits for that grader (or for its lease to expire).
    public func gradeToCompletion(jobId: Int64) async throws(StoreError) {
        while !Task.isCancelled {
            _ = try await store.expireLeases(terms: terms)
            if let claimed = try await store.claimJob(worker: "\(identity)-local", only: jobId, terms: terms) {
                await grade(claimed)
            }
            guard let state = try await store.jobState(jobId), state == .queued || state == .running else { return }
            if state == .running { try? await Task.sleep(nanoseconds: 250_000_000) }
        }
    }

    /// Grades one claimed job while holding its lease, and records the outcome.
    public func grade(_ claimed: ClaimedJob) async {
        let input = GradingInput(exercise: claimed.exercise, exerciseFiles: claimed.exerciseFiles, submission: claimed.submissionFiles)
        let lost = StopFlag()
        let outcomes: [ScenarioOutcome]? = await withTaskGroup(of: [ScenarioOutcome]?.self) { group in
            group.addTask {
                await self.grader.grade(input) { outcome in
                    // A grader that lost its lease says nothing more: the job is someone else's.
                    if !lost.isSet { await self.observer?.scenarioFinished(claimed, outcome) }
                }
            }
            group.addTask {
                await self.holdLease(claimed)
                lost.set()
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let outcomes, !Task.isCancelled else {
            // Shutting down, or the lease is lost: hand the job back untouched rather than
            // record a half-graded result. The release is fenced like every write, so if
            // another grader already holds the job this changes nothing.
            do { try await store.releaseJob(claimed) } catch { await observer?.storeFailed(claimed, error: error) }
            return
        }
        do {
            if let fault = outcomes.first(where: { $0.message.hasPrefix(GradingError.faultPrefix) }) {
                switch try await store.failJob(claimed, error: fault.message, terms: terms) {
                case let .retrying(attempt, maxAttempts):
                    await observer?.jobRetrying(claimed, error: fault.message, attempt: attempt, maxAttempts: maxAttempts)
                case .gaveUp:
                    await observer?.jobFailed(claimed, error: fault.message)
                case .stale:
                    break
                }
                return
            }
            let results = outcomes.map {
                ScenarioResultInput(name: $0.name, plugin: $0.plugin, passed: $0.passed, points: $0.points, maxPoints: $0.maxPoints,
                                    hidden: $0.hidden, message: $0.message, durationMs: $0.durationMs)
            }
            if let job = try await store.finishJob(claimed, results: results, isolation: grader.isolationLabel) {
                await observer?.jobFinished(claimed, job: job, outcomes: outcomes)
            }
        } catch {
            // The lease will expire and the job be graded again; say why it was not recorded.
            await observer?.storeFailed(claimed, error: error)
        }
    }

    /// Renews the claim's lease until cancelled; returns early when the lease is lost (another
    /// grader recovered the job) or running jobs are being abandoned.
    private func holdLease(_ claimed: ClaimedJob) async {
        var expires = Date().addingTimeInterval(terms.duration)
        var nextRenewal = Date().addingTimeInterval(terms.renewalInterval)
        while !Task.isCancelled && !abandoning.isSet {
            try? await Task.sleep(nanoseconds: UInt64(min(0.2, terms.renewalInterval) * 1e9))
            guard !Task.isCancelled, Date() >= nextRenewal else { continue }
            do {
                let now = Date()
                guard try await store.renewLease(claimed, terms: terms, now: now) else { return }
                expires = now.addingTimeInterval(terms.duration)
                nextRenewal = now.addingTimeInterval(terms.renewalInterval)
            } catch {
                // A busy database: retry soon; once the lease may have run out, stop, since
                // another grader may already hold the job.
                if Date() >= expires { return }
                nextRenewal = Date().addingTimeInterval(min(1, terms.renewalInterval))
            }
        }
    }
}

/// Hears about grading as it happens (the CLI's live progress, the server's live events).
public protocol GradingObserver: Sendable {
    func scenarioFinished(_ job: ClaimedJob, _ outcome: ScenarioOutcome) async
    func jobFinished(_ job: ClaimedJob, job record: GradingJobRecord, outcomes: [ScenarioOutcome]) async
    /// Grading failed for a reason of the grader's and the job was queued again.
    func jobRetrying(_ job: ClaimedJob, error: String, attempt: Int, maxAttempts: Int) async
    /// Grading failed on every attempt: the submission ends as a grader error.
    func jobFailed(_ job: ClaimedJob, error: String) async
    /// The outcome could not be stored (the job will be graded again once its lease expires).
    func storeFailed(_ job: ClaimedJob, error: StoreError) async
}

extension GradingObserver {
    public func scenarioFinished(_ job: ClaimedJob, _ outcome: ScenarioOutcome) async {}
    public func jobFinished(_ job: ClaimedJob, job record: GradingJobRecord, outcomes: [ScenarioOutcome]) async {}
    public func jobRetrying(_ job: ClaimedJob, error: String, attempt: Int, maxAttempts: Int) async {}
    public func jobFailed(_ job: ClaimedJob, error: String) async {}
    public func storeFailed(_ job: ClaimedJob, error: StoreError) async {}
}

/// A one-way flag; the lock guards `value`.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Wakes waiting workers early; otherwise they wake on a timeout and poll the database.
final class Doorbell: @unchecked Sendable {
    private let lock = NSLock()
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    func ring() {
        let woken = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    func wait(upTo seconds: Double) async {
        let id = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.withLock { waiters[id] = continuation }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                let waiter = lock.withLock { waiters.removeValue(forKey: id) }
                waiter?.resume()
            }
        }
    }
}
