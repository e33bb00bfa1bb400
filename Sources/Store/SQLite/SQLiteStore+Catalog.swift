import Catalog
import Foundation
import GRDB

/// What loading a catalog changed.
public struct LoadReport: Sendable, Hashable {
    public enum Change: String, Sendable, Hashable {
        case added, updated, unchanged
    }

    public struct CourseChange: Sendable, Hashable {
        public var id: String
        public var change: Change
    }

    public struct ExerciseChange: Sendable, Hashable {
        public var id: String
        public var change: Change
        /// The version now current.
        public var version: Int
        /// Submissions graded against an earlier version (a regrade may be due).
        public var affectedSubmissions: Int
    }

    public var courses: [CourseChange]
    public var exercises: [ExerciseChange]

    /// True when the load found the database already up to date.
    public var changedNothing: Bool {
        courses.allSatisfy { $0.change == .unchanged } && exercises.allSatisfy { $0.change == .unchanged }
    }
}

/// A course as listed: its definition and a few totals.
public struct CourseOverview: Sendable, Hashable {
    public var record: CourseRecord
    public var definition: CourseDefinition
    /// Current exercise versions of the course, by id.
    public var exercises: [String: ExerciseRecord]
    public var enrolled: Int

    public var totalPoints: Int { definition.exerciseIDs.compactMap { exercises[$0]?.points }.reduce(0, +) }
}

/// An exercise's current version with its history and use.
public struct ExerciseOverview: Sendable, Hashable {
    public var record: ExerciseRecord
    public var definition: ExerciseDefinition
    public var courses: [String]
    public var submissions: Int
}

extension SQLiteStore {
    /// Stores the catalog in one transaction. Loading the same files again changes nothing;
    /// a changed exercise becomes a new version and the report counts the submissions it affects.
    public func load(_ catalog: Catalog, now: Date = Date()) async throws(StoreError) -> LoadReport {
        try await write { db in
            var exerciseChanges: [LoadReport.ExerciseChange] = []
            for exercise in catalog.exercises {
                exerciseChanges.append(try Self.store(exercise, in: db, now: now))
            }
            var courseChanges: [LoadReport.CourseChange] = []
            for course in catalog.courses {
                courseChanges.append(try Self.store(course, in: db, now: now))
            }
            let report = LoadReport(courses: courseChanges, exercises: exerciseChanges)
            if !report.changedNothing {
                let changed = report.courses.filter { $0.change != .unchanged }.map(\.id)
                    + report.exercises.filter { $0.change != .unchanged }.map { "\($0.id)@v\($0.version)" }
                try Self.appendEvent(kind: "catalog.loaded", payload: ["changed": changed.joined(separator: " ")], in: db, at: now)
            }
            return report
        }
    }

    private static func store(_ exercise: LoadedExercise, in db: Database, now: Date) throws -> LoadReport.ExerciseChange {
        let id = exercise.definition.id
        let current = try ExerciseRecord.filter(Column("id") == id).order(Column("version").desc).fetchOne(db)
        if let current, current.contentHash == exercise.contentHash {
            return .init(id: id, change: .unchanged, version: current.version, affectedSubmissions: 0)
        }
        let version = (current?.version ?? 0) + 1
        try ExerciseRecord(id: id, version: version, title: exercise.definition.title, points: exercise.definition.points,
                           definition: try ClassroomStore.json(exercise.definition), contentHash: exercise.contentHash, loadedAt: now).insert(db)
        for (path, content) in exercise.files {
            try ExerciseFileRecord(exerciseId: id, version: version, path: path, content: content).insert(db)
        }
        let affected = try SubmissionRecord.filter(Column("exerciseId") == id && Column("exerciseVersion") < version).fetchCount(db)
        return .init(id: id, change: current == nil ? .added : .updated, version: version, affectedSubmissions: affected)
    }

    private static func store(_ course: LoadedCourse, in db: Database, now: Date) throws -> LoadReport.CourseChange {
        let definition = course.definition
        let existing = try CourseRecord.fetchOne(db, key: definition.id)
        if let existing, existing.contentHash == course.contentHash {
            return .init(id: definition.id, change: .unchanged)
        }
        let record = CourseRecord(id: definition.id, title: definition.title, summary: definition.summary, models: definition.models,
                                  definition: try ClassroomStore.json(definition), contentHash: course.contentHash, sourcePath: course.sourcePath,
                                  loadedAt: now)
        try record.save(db)
        try UnitRecord.filter(Column("courseId") == definition.id).deleteAll(db)
        for (position, unit) in definition.units.enumerated() {
            try UnitRecord(courseId: definition.id, id: unit.id, position: position, title: unit.title, summary: unit.summary,
                           day: unit.day, unlocksAt: unit.unlocksAt, deadline: unit.deadline).insert(db)
            for (index, exerciseId) in unit.exercises.enumerated() {
                guard try ExerciseRecord.filter(Column("id") == exerciseId).fetchCount(db) > 0 else {
                    throw StoreError.notFound(what: "exercise", id: exerciseId)
                }
                try UnitExerciseRecord(courseId: definition.id, unitId: unit.id, exerciseId: exerciseId, position: index).insert(db)
            }
        }
        return .init(id: definition.id, change: existing == nil ? .added : .updated)
    }

    /// Every loaded course, by id.
    public func courses() async throws(StoreError) -> [CourseOverview] {
        try await read { db in
            try CourseRecord.order(Column("id")).fetchAll(db).map { try Self.overview(of: $0, in: db) }
        }
    }

    /// One course, or `.notFound`.
    public func course(_ id: String) async throws(StoreError) -> CourseOverview {
        try await read { db in
            guard let record = try CourseRecord.fetchOne(db, key: id) else { throw StoreError.notFound(what: "course", id: id) }
            return try Self.overview(of: record, in: db)
        }
    }

    private static func overview(of record: CourseRecord, in db: Database) throws -> CourseOverview {
        let definition = try ClassroomStore.decode(CourseDefinition.self, from: record.definition)
        var exercises: [String: ExerciseRecord] = [:]
        for id in definition.exerciseIDs {
            exercises[id] = try currentExercise(id, in: db)
        }
        let enrolled = try EnrolmentRecord.filter(Column("courseId") == record.id).fetchCount(db)
        return CourseOverview(record: record, definition: definition, exercises: exercises, enrolled: enrolled)
    }

    static func currentExercise(_ id: String, in db: Database) throws -> ExerciseRecord? {
        try ExerciseRecord.filter(Column("id") == id).order(Column("version").desc).fetchOne(db)
    }

    /// The current version of every exercise.
    public func exercises() async throws(StoreError) -> [ExerciseOverview] {
        try await read { db in
            let ids = try String.fetchAll(db, sql: "SELECT DISTINCT id FROM exercise ORDER BY id")
            return try ids.compactMap { try Self.exerciseOverview($0, in: db) }
        }
    }

    /// One exercise's current version, or `.notFound`.
    public func exercise(_ id: String) async throws(StoreError) -> ExerciseOverview {
        try await read { db in
            guard let overview = try Self.exerciseOverview(id, in: db) else { throw StoreError.notFound(what: "exercise", id: id) }
            return overview
        }
    }

    /// The files of one exercise version, keyed by path relative to the exercise folder.
    public func exerciseFiles(_ id: String, version: Int) async throws(StoreError) -> [String: Data] {
        try await read { db in
            let rows = try ExerciseFileRecord.filter(Column("exerciseId") == id && Column("version") == version).fetchAll(db)
            return Dictionary(rows.map { ($0.path, $0.content) }, uniquingKeysWith: { first, _ in first })
        }
    }

    private static func exerciseOverview(_ id: String, in db: Database) throws -> ExerciseOverview? {
        guard let record = try currentExercise(id, in: db) else { return nil }
        let courses = try String.fetchAll(db, sql: "SELECT DISTINCT courseId FROM unitExercise WHERE exerciseId = ? ORDER BY courseId", arguments: [id])
        let submissions = try SubmissionRecord.filter(Column("exerciseId") == id).fetchCount(db)
        return ExerciseOverview(record: record, definition: try ClassroomStore.decode(ExerciseDefinition.self, from: record.definition),
                                courses: courses, submissions: submissions)
    }
}
