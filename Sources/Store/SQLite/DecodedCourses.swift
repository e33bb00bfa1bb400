import Catalog
import Foundation
import GRDB
import Synchronization

/// Course definitions decoded once per version, so a request that reads many submissions of
/// a course (a board, a student's results) never decodes the course's JSON once per row.
///
/// A course's version is its `contentHash`: a load replaces the stored definition only when the
/// hash changes, so a cached definition is current exactly while its hash is.
final class DecodedCourses: Sendable {
    private let cache = Mutex<[String: (version: String, definition: CourseDefinition)]>([:])
    private let decodes = Mutex(0)

    /// How many definitions were decoded so far (the tests hold requests to one per course).
    var decodeCount: Int { decodes.withLock { $0 } }

    /// The current definition of `courseId`, or nil if no such course is loaded.
    func definition(of courseId: String, in db: Database) throws -> CourseDefinition? {
        guard let version = try String.fetchOne(db, sql: "SELECT contentHash FROM course WHERE id = ?", arguments: [courseId]) else {
            return nil
        }
        if let hit = cached(courseId, version: version) { return hit }
        guard let json = try String.fetchOne(db, sql: "SELECT definition FROM course WHERE id = ? AND contentHash = ?",
                                             arguments: [courseId, version]) else { return nil }
        return try remember(courseId, version: version, json: json)
    }

    /// The definition of `courseId` at `version`, if it was decoded already.
    func cached(_ courseId: String, version: String) -> CourseDefinition? {
        guard let hit = cache.withLock({ $0[courseId] }), hit.version == version else { return nil }
        return hit.definition
    }

    /// Decodes and keeps the definition of `courseId` at `version`.
    func remember(_ courseId: String, version: String, json: String) throws -> CourseDefinition {
        let definition = try ClassroomStore.decode(CourseDefinition.self, from: json)
        decodes.withLock { $0 += 1 }
        cache.withLock { $0[courseId] = (version, definition) }
        return definition
    }
}

extension CourseDefinition {
    /// Whether a submission of `exercise` made at `submittedAt` is late (after its unit's
    /// deadline plus the grace), and what `score` counts for under the late policy.
    public func lateness(exercise: String, submittedAt: Date, score: Int?) -> (late: Bool, counted: Int?) {
        let deadline = units.first { $0.exercises.contains(exercise) }?.deadline
        guard let deadline, submittedAt > deadline.addingTimeInterval(scoring.grace.seconds) else { return (false, score) }
        guard let score else { return (true, nil) }
        switch scoring.late {
        case .accept: return (true, score)
        case .reject: return (true, 0)
        case .penalty: return (true, score * (100 - scoring.latePenaltyPercent) / 100)
        }
    }
}
