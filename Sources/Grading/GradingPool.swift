import Foundation
import PluginKit
import Store

/// Grades queued jobs with a fixed number of concurrent workers.
///
/// Jobs live in SQLite: a worker claims one in a transaction, grades it, and writes every
/// scenario result and the total in one more. A grader that dies mid-job leaves the job
/// `running`; the next start queues it again (at most `maxAttempts` times, then records a
/// grader error that is never charged to the student). So a submission is never lost, and
/// since a result is only written by the claim that is still current, never counted twice.
public final class GradingPool: Sendable {
    public let store: ClassroomStore
    public let grader: Grader
    public let workers: Int
    public let maxAttempts: Int
    /// Called as each scenario of a job lands (live progress), and when a job is done.
    public let observer: GradingObserver?
    private let doorbell = Doorbell()
    private let identity: String
    private let stopping = StopFlag()

    /// Workers default to the number of cores: grading is mostly waiting on student programs
    /// and python start-up, and one job per core keeps latency low under load.
    public static var defaultWorkers: Int { max(2, ProcessInfo.processInfo.activeProcessorCount) }

    public init(store: ClassroomStore, grader: Grader, workers: Int = GradingPool.defaultWorkers, maxAttempts: Int = 3,
                observer: GradingObserver? = nil) {
        self.store = store
        self.grader = grader
        self.workers = max(1, workers)
        self.maxAttempts = maxAttempts
        self.observer = observer
        self.identity = "\(ProcessInfo.processInfo.hostName)-\(getpid())"
    }

    /// Tells idle workers that a job was just queued (jobs queued by other processes are
    /// found by polling).
    public func wake() { doorbell.ring() }

    /// Stops claiming new jobs; workers finish the job in hand and `run` returns.
    public func stop() {
        stopping.set()
        doorbell.ring()
    }

    /// Runs the workers until cancelled, or with `untilIdle` until no job is queued or running.
    public func run(untilIdle: Bool = false) async throws(StoreError) -> RecoveryReport {
        let recovery = try await store.recoverInterruptedJobs(maxAttempts: maxAttempts)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<workers {
                group.addTask { await self.work(name: "\(self.identity)-w\(index)", untilIdle: untilIdle) }
            }
        }
        return recovery
    }

    private func work(name: String, untilIdle: Bool) async {
        while !Task.isCancelled && !stopping.isSet {
            do {
                if let claimed = try await store.claimJob(worker: name) {
                    await grade(claimed)
                    continue
                }
                if untilIdle, try await store.pendingJobCount() == 0 { return }
            } catch {
                // The database is busy or briefly unavailable: back off rather than spin.
            }
            await doorbell.wait(upTo: 0.25)
        }
    }

    /// Grades one claimed job and records the outcome.
    public func grade(_ claimed: ClaimedJob) async {
        let input = GradingInput(exercise: claimed.exercise, exerciseFiles: claimed.exerciseFiles, submission: claimed.submissionFiles)
        let outcomes = await grader.grade(input) { outcome in await self.observer?.scenarioFinished(claimed, outcome) }
        if Task.isCancelled {
            // Shutting down: hand the job back untouched rather than record a half-graded result.
            try? await store.releaseJob(claimed)
            return
        }
        if let fault = outcomes.first(where: { $0.message.hasPrefix(GradingError.faultPrefix) }) {
            try? await store.failJob(claimed, error: fault.message, maxAttempts: maxAttempts)
            await observer?.jobFailed(claimed, error: fault.message)
            return
        }
        let results = outcomes.map {
            ScenarioResultInput(name: $0.name, plugin: $0.plugin, passed: $0.passed, points: $0.points, maxPoints: $0.maxPoints,
                                hidden: $0.hidden, message: $0.message, durationMs: $0.durationMs)
        }
        if let job = try? await store.finishJob(claimed, results: results, isolation: grader.isolationLabel) {
            await observer?.jobFinished(claimed, job: job, outcomes: outcomes)
        }
    }
}

/// Hears about grading as it happens (the CLI's live progress, the server's live events).
public protocol GradingObserver: Sendable {
    func scenarioFinished(_ job: ClaimedJob, _ outcome: ScenarioOutcome) async
    func jobFinished(_ job: ClaimedJob, job record: GradingJobRecord, outcomes: [ScenarioOutcome]) async
    func jobFailed(_ job: ClaimedJob, error: String) async
}

extension GradingObserver {
    public func scenarioFinished(_ job: ClaimedJob, _ outcome: ScenarioOutcome) async {}
    public func jobFinished(_ job: ClaimedJob, job record: GradingJobRecord, outcomes: [ScenarioOutcome]) async {}
    public func jobFailed(_ job: ClaimedJob, error: String) async {}
}

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
