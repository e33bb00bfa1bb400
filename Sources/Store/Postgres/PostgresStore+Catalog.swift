import Catalog
import Foundation
import PostgresNIO

/// The catalog on PostgreSQL, with `SQLiteStore+Catalog.swift`'s meaning.
extension PostgresStore {
    /// Serialises catalog loads of front ends that start at once (each would add the same version).
    static let catalogLockKey: Int64 = 0x436C_6173_7343_6174

    public func load(_ catalog: Catalog, now: Date) async throws(StoreError) -> LoadReport {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.catalogLockKey))", logger: self.logger)
            var exerciseChanges: [LoadReport.ExerciseChange] = []
            for exercise in catalog.exercises {
                exerciseChanges.append(try await self.store(exercise, on: connection, now: now))
            }
            var courseChanges: [LoadReport.CourseChange] = []
            for course in catalog.courses {
                courseChanges.append(try await self.store(course, on: connection, now: now))
            }
            let report = LoadReport(courses: courseChanges, exercises: exerciseChanges)
            if !report.changedNothing {
                let changed = report.courses.filter { $0.change != .unchanged }.map(\.id)
                    + report.exercises.filter { $0.change != .unchanged }.map { "\($0.id)@v\($0.version)" }
                try await Self.appendEvent(kind: "catalog.loaded", payload: ["changed": changed.joined(separator: " ")], on: connection, at: now, logger: self.logger)
            }
            return report
        }
    }

    private func store(_ exercise: LoadedExercise, on connection: PostgresConnection, now: Date) async throws -> LoadReport.ExerciseChange {
        let id = exercise.definition.id
        let current = try await Self.currentExercise(id, on: connection, logger)
        if let current, current.contentHash == exercise.contentHash {
            return .init(id: id, change: .unchanged, version: current.version, affectedSubmissions: 0)
        }
        let version = (current?.version ?? 0) + 1
        try await connection.query("""
            INSERT INTO exercise (id, version, title, points, definition, contentHash, loadedAt)
            VALUES (\(id), \(version), \(exercise.definition.title), \(exercise.definition.points), \(try ClassroomStore.json(exercise.definition)),
                    \(exercise.contentHash), \(now))
            """, logger: logger)
        for (path, content) in exercise.files.sorted(by: { $0.key < $1.key }) {
            try await connection.query("INSERT INTO exerciseFile (exerciseId, version, path, content) VALUES (\(id), \(version), \(path), \(content))", logger: logger)
        }
        let affected = try await connection.one(Int.self, "SELECT COUNT(*) FROM submission WHERE exerciseId = \(id) AND exerciseVersion < \(version)", logger) ?? 0
        return .init(id: id, change: current == nil ? .added : .updated, version: version, affectedSubmissions: affected)
    }

    private func store(_ course: LoadedCourse, on connection: PostgresConnection, now: Date) async throws -> LoadReport.CourseChange {
        let definition = course.definition
        let existing = try await connection.one(String.self, "SELECT contentHash FROM course WHERE id = \(definition.id)", logger)
        if existing == course.contentHash { return .init(id: definition.id, change: .unchanged) }
        try await connection.query("""
            INSERT INTO course (id, title, summary, models, definition, contentHash, sourcePath, loadedAt)
            VALUES (\(definition.id), \(definition.title), \(definition.summary), \(definition.models), \(try ClassroomStore.json(definition)),
                    \(course.contentHash), \(course.sourcePath), \(now))
            ON CONFLICT (id) DO UPDATE SET title = excluded.title, summary = excluded.summary, models = excluded.models,
                definition = excluded.definition, contentHash = excluded.contentHash, sourcePath = excluded.sourcePath, loadedAt = excluded.loadedAt
            """, logger: logger)
        try await connection.query("DELETE FROM unit WHERE courseId = \(definition.id)", logger: logger)
        for (position, unit) in definition.units.enumerated() {
            try await connection.query("""
                INSERT INTO unit (courseId, id, position, title, summary, day, unlocksAt, deadline)
                VALUES (\(definition.id), \(unit.id), \(position), \(unit.title), \(unit.summary), \(unit.day), \(unit.unlocksAt), \(unit.deadline))
                """, logger: logger)
            for (index, exerciseId) in unit.exercises.enumerated() {
                guard try await connection.one(Int.self, "SELECT COUNT(*) FROM exercise WHERE id = \(exerciseId)", logger) ?? 0 > 0 else {
                    throw StoreError.notFound(what: "exercise", id: exerciseId)
                }
                try await connection.query("""
                    INSERT INTO unitExercise (courseId, unitId, exerciseId, position) VALUES (\(definition.id), \(unit.id), \(exerciseId), \(index))
                    """, logger: logger)
            }
        }
        return .init(id: definition.id, change: existing == nil ? .added : .updated)
    }

    public func courses() async throws(StoreError) -> [CourseOverview] {
        try await read { connection in
            var overviews: [CourseOverview] = []
            for row in try await connection.rows("SELECT \(unescaped: PGRecord.course) FROM course ORDER BY id", self.logger) {
                overviews.append(try await self.overview(of: try PGRecord.course(row), on: connection))
            }
            return overviews
        }
    }

    public func course(_ id: String) async throws(StoreError) -> CourseOverview {
        try await read { connection in
            guard let row = try await connection.rows("SELECT \(unescaped: PGRecord.course) FROM course WHERE id = \(id)", self.logger).first else {
                throw StoreError.notFound(what: "course", id: id)
            }
            return try await self.overview(of: try PGRecord.course(row), on: connection)
        }
    }

    private func overview(of record: CourseRecord, on connection: PostgresConnection) async throws -> CourseOverview {
        let definition = try ClassroomStore.decode(CourseDefinition.self, from: record.definition)
        var exercises: [String: ExerciseRecord] = [:]
        for id in definition.exerciseIDs {
            exercises[id] = try await Self.currentExercise(id, on: connection, logger)
        }
        let enrolled = try await connection.one(Int.self, "SELECT COUNT(*) FROM enrolment WHERE courseId = \(record.id)", logger) ?? 0
        return CourseOverview(record: record, definition: definition, exercises: exercises, enrolled: enrolled)
    }

    static func currentExercise(_ id: String, on connection: PostgresConnection, _ logger: Logger) async throws -> ExerciseRecord? {
        try await connection.rows("SELECT \(unescaped: PGRecord.exercise) FROM exercise WHERE id = \(id) ORDER BY version DESC LIMIT 1", logger)
            .first.map(PGRecord.exercise)
    }

    /// The current definition of `courseId`, decoded once per version.
    func courseDefinition(_ courseId: String, on connection: PostgresConnection) async throws -> CourseDefinition? {
        guard let version = try await connection.one(String.self, "SELECT contentHash FROM course WHERE id = \(courseId)", logger) else { return nil }
        if let hit = decodedCourses.cached(courseId, version: version) { return hit }
        guard let json = try await connection.one(String.self, "SELECT definition FROM course WHERE id = \(courseId) AND contentHash = \(version)", logger) else {
            return nil
        }
        return try decodedCourses.remember(courseId, version: version, json: json)
    }

    public func exercises() async throws(StoreError) -> [ExerciseOverview] {
        try await read { connection in
            var overviews: [ExerciseOverview] = []
            for id in try await connection.column(String.self, "SELECT DISTINCT id FROM exercise ORDER BY id", self.logger) {
                if let overview = try await self.exerciseOverview(id, on: connection) { overviews.append(overview) }
            }
            return overviews
        }
    }

    public func exercise(_ id: String) async throws(StoreError) -> ExerciseOverview {
        try await read { connection in
            guard let overview = try await self.exerciseOverview(id, on: connection) else { throw StoreError.notFound(what: "exercise", id: id) }
            return overview
        }
    }

    public func exerciseFiles(_ id: String, version: Int) async throws(StoreError) -> [String: Data] {
        try await read { connection in
            try PGRecord.files(try await connection.rows("SELECT path, content FROM exerciseFile WHERE exerciseId = \(id) AND version = \(version)", self.logger))
        }
    }

    private func exerciseOverview(_ id: String, on connection: PostgresConnection) async throws -> ExerciseOverview? {
        guard let record = try await Self.currentExercise(id, on: connection, logger) else { return nil }
        let courses = try await connection.column(String.self, "SELECT DISTINCT courseId FROM unitExercise WHERE exerciseId = \(id) ORDER BY courseId", logger)
        let submissions = try await connection.one(Int.self, "SELECT COUNT(*) FROM submission WHERE exerciseId = \(id)", logger) ?? 0
        return ExerciseOverview(record: record, definition: try ClassroomStore.decode(ExerciseDefinition.self, from: record.definition),
                                courses: courses, submissions: submissions)
    }
}
