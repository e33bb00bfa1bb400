import Foundation
import Store
import Synchronization

/// Every course's board, kept live: built from the store once (at start, after a catalog
/// reload, a regrade or an import) and then updated result by result, so a stored result costs
/// the same late in a workshop as at its start, and a thousand watchers and refreshing
/// projectors read the board without touching the database.
public final class ScoreboardCache: Sendable {
    public struct Entry: Sendable {
        public var board: Scoreboard
        /// Changes whenever the board changes; lets readers cache what they render from it.
        public var generation: UInt64
    }

    private let store: ClassroomStore
    private let state = Mutex(State())

    public init(store: ClassroomStore) { self.store = store }

    /// The current board of `course`, built first if needed. Concurrent callers share one build.
    public func board(_ course: String) async throws(StoreError) -> Entry {
        while true {
            let (entry, build) = state.withLock { state -> (Entry?, Build?) in
                switch state.slots[course] {
                case .ready(let live)?:
                    if let snapshot = live.snapshot { return (snapshot, nil) }
                    let entry = Entry(board: live.board.snapshot, generation: live.generation)
                    live.snapshot = entry
                    return (entry, nil)
                case .building(let build)?:
                    return (nil, build)
                case nil:
                    return (nil, state.startBuild(course, store: store, owner: self))
                }
            }
            if let entry { return entry }
            try await build!.finished()
        }
    }

    /// Counts a finished grading on its course's board and returns the student's standing
    /// (nil if the board cannot be built, e.g. the course is gone, or the student is not on it).
    @discardableResult
    public func record(_ graded: GradedSubmission) async -> Standing? {
        var recountedForStudent = false
        while true {
            let step = state.withLock { state -> RecordStep in
                switch state.slots[graded.course] {
                case .ready(let live)?:
                    switch live.board.record(graded) {
                    case .unknownStudent:
                        // Enrolled after the board was built: count them from the store, once.
                        if recountedForStudent { return .done(nil) }
                        return .recountForStudent(state.startBuild(graded.course, store: store, owner: self))
                    case let .standing(standing):
                        state.generation += 1
                        live.generation = state.generation
                        live.snapshot = nil
                        return .done(standing)
                    }
                case .building(let build)?:
                    // The build may have read the store before this result: count it after.
                    build.pending.withLock { $0.append(graded) }
                    return .wait(build)
                case nil:
                    // A board built from now on reads this result from the store.
                    return .wait(state.startBuild(graded.course, store: store, owner: self))
                }
            }
            let build: Build
            switch step {
            case let .done(standing): return standing
            case let .wait(running): build = running
            case let .recountForStudent(running):
                build = running
                recountedForStudent = true
            }
            // A board that cannot be read (the course is gone) has no standing to tell; the
            // error reaches whoever asks for the board itself.
            do { try await build.finished() } catch { return nil }
            // Built: the next pass counts the result (a no-op if the build already had it).
        }
    }

    private enum RecordStep {
        case done(Standing?)
        case wait(Build)
        case recountForStudent(Build)
    }

    /// A student's standing on a board already built (nil otherwise).
    public func standing(course: String, student: String) -> Standing? {
        state.withLock { state in
            guard case .ready(let live)? = state.slots[course] else { return nil }
            return live.board.standing(of: student)
        }
    }

    /// Rebuilds one course's board (or every board) from the store: what the store holds
    /// changed in a way single results do not describe (a catalog reload, a regrade, a new
    /// student). Boards already in use are rebuilt at once; others when first asked for.
    public func invalidate(_ course: String? = nil) {
        state.withLock { state in
            let courses = course.map { [$0] } ?? Array(state.slots.keys)
            for id in courses where state.slots[id] != nil {
                _ = state.startBuild(id, store: store, owner: self)
            }
        }
    }

    /// Builds the boards of `courses` now, so the first result or request does not wait.
    public func prepare(_ courses: [String]) async throws(StoreError) {
        for course in courses { _ = try await board(course) }
    }

    fileprivate func finish(_ build: Build, with board: LiveBoard) {
        state.withLock { state in
            // A newer build replaced this one (the store changed again while it read): drop it.
            guard case .building(let current)? = state.slots[build.course], current === build else { return }
            var board = board
            for graded in build.pending.withLock({ $0 }) { _ = board.record(graded) }
            state.generation += 1
            state.slots[build.course] = .ready(Live(board: board, generation: state.generation))
        }
    }

    fileprivate func fail(_ build: Build) {
        state.withLock { state in
            guard case .building(let current)? = state.slots[build.course], current === build else { return }
            state.slots[build.course] = nil
        }
    }

    private enum Slot {
        case building(Build)
        case ready(Live)
    }

    /// A built board, changed in place under the lock (a value in the dictionary would be
    /// copied whole by every change).
    private final class Live {
        var board: LiveBoard
        /// Set from the cache's counter at each change of this board (other boards' changes
        /// leave it alone, so what readers render from this one stays valid).
        var generation: UInt64
        /// The board as last handed out, until the next change.
        var snapshot: Entry?

        init(board: LiveBoard, generation: UInt64) {
            self.board = board
            self.generation = generation
        }
    }

    private struct State {
        var slots: [String: Slot] = [:]
        var generation: UInt64 = 0

        /// Replaces the course's slot with a new build reading the store from now on.
        mutating func startBuild(_ course: String, store: ClassroomStore, owner: ScoreboardCache) -> Build {
            let build = Build(course: course)
            slots[course] = .building(build)
            build.task = Task {
                do {
                    let board = LiveBoard(source: try await store.scoreboardSource(course: course))
                    owner.finish(build, with: board)
                } catch {
                    owner.fail(build)
                    throw error
                }
            }
            return build
        }
    }
}

/// One reading of a course's board from the store, and the results that arrived meanwhile.
private final class Build: Sendable {
    let course: String
    let pending = Mutex<[GradedSubmission]>([])
    private let running = Mutex<Task<Void, any Error>?>(nil)

    init(course: String) { self.course = course }

    var task: Task<Void, any Error>? {
        get { running.withLock { $0 } }
        set { running.withLock { $0 = newValue } }
    }

    /// Waits for the build; throws what reading the store threw.
    func finished() async throws(StoreError) {
        guard let task else { return }
        do {
            try await task.value
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }
}
