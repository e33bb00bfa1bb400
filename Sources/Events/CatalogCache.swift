import Foundation
import Store

/// Course overviews kept in memory until the catalog changes, so requests that only read a
/// course (SCOREBOARD, WATCH, EXERCISES) never touch the database.
public final class CatalogCache: @unchecked Sendable {
    private let store: ClassroomStore
    private let lock = NSLock()
    private var courses: [String: CourseOverview]?
    private var invalidations: UInt64 = 0

    public init(store: ClassroomStore) { self.store = store }

    /// Every course, by id.
    public func all() async throws(StoreError) -> [String: CourseOverview] {
        if let cached = lock.withLock({ courses }) { return cached }
        let startedAt = lock.withLock { invalidations }
        let loaded = Dictionary(try await store.courses().map { ($0.record.id, $0) }, uniquingKeysWith: { a, _ in a })
        lock.withLock { if invalidations == startedAt { courses = loaded } }
        return loaded
    }

    public func course(_ id: String) async throws(StoreError) -> CourseOverview {
        guard let course = try await all()[id] else { throw .notFound(what: "course", id: id) }
        return course
    }

    public func invalidate() {
        lock.withLock {
            invalidations += 1
            courses = nil
        }
    }
}
