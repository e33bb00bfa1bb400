import Foundation
import Testing
import TestSupport
@testable import Catalog

/// The coverage the curriculum promises (issue 12), measured on the shipped catalog.
@Suite("The curriculum")
struct CurriculumTests {
    /// The four source courses, by the ids of their course files.
    static let sourceCourses = ["concurrency-live", "concurrency-workshop", "networking-track", "networks-distributed"]

    static func shipped() throws -> Catalog { try CatalogLoader(root: Repository.root).load() }

    @Test("all four source courses load, each shaped like its source")
    func fourCoursesLoad() throws {
        let catalog = try Self.shipped()
        let courses = Dictionary(uniqueKeysWithValues: catalog.courses.map { ($0.definition.id, $0.definition) })
        for id in Self.sourceCourses { #expect(courses[id] != nil, "the course \(id) did not load") }

        let syllabus = try #require(courses["networks-distributed"])
        #expect(syllabus.units.count == 10, "the syllabus has 10 parts")
        #expect(syllabus.schedule.dailyStart.minutes == 9 * 60 && syllabus.schedule.dailyEnd.minutes == 17 * 60, "9-to-5 days")
        #expect((4 * 3600...5 * 3600).contains(syllabus.schedule.exerciseTime.seconds), "4-5 hours of exercises a day")
        #expect(syllabus.classSize <= 16, "at most 16 students")

        let workshop = try #require(courses["concurrency-workshop"])
        #expect(workshop.schedule.days == 4)
        #expect(workshop.units.map(\.id) == ["introduction", "threads", "message-passing", "multiprocessing", "distributed", "advanced-io", "coroutines"],
                "the workshop's 7 parts, in its order")

        let live = try #require(courses["concurrency-live"])
        #expect(live.units.map { $0.duration?.seconds ?? 0 } == [20, 20, 20, 20, 40, 10, 30].map { Double($0 * 60) },
                "the live course's sections with their minutes")

        let track = try #require(courses["networking-track"])
        #expect(track.units.count == 8, "one unit per talk theme")
    }

    @Test("every unit of every course has at least 2 exercises, most of them 3 or more")
    func exercisesPerUnit() throws {
        let units = try Self.shipped().courses.flatMap { course in course.definition.units.map { (course.definition.id, $0) } }
        for (course, unit) in units {
            #expect(unit.exercises.count >= 2, "\(course) / \(unit.id) has \(unit.exercises.count) exercise(s)")
        }
        let rich = units.filter { $0.1.exercises.count >= 3 }.count
        #expect(rich * 2 > units.count, "only \(rich) of \(units.count) units have 3 exercises or more")
    }

    @Test("the bank holds at least 50 exercises, shared between courses")
    func bankSize() throws {
        let catalog = try Self.shipped()
        #expect(catalog.exercises.count >= 50, "the bank holds \(catalog.exercises.count) exercises")
        let reused = Set(catalog.exercises.map(\.definition.id).filter { id in
            catalog.courses.filter { $0.definition.exerciseIDs.contains(id) }.count >= 2
        })
        #expect(reused.count >= 10, "only \(reused.count) exercises are used by more than one course")
    }

    @Test("every exercise has a solution and at least 2 broken variants, each with files")
    func solutionsAndBrokenVariants() throws {
        for exercise in try Self.shipped().exercises {
            let id = exercise.definition.id
            #expect(!exercise.files(under: exercise.definition.solution).isEmpty, "\(id) has no solution files")
            #expect(exercise.definition.broken.count >= 2, "\(id) has \(exercise.definition.broken.count) broken variant(s)")
            for variant in exercise.definition.broken {
                #expect(!exercise.files(under: variant.path).isEmpty, "\(id): \(variant.path) holds no files")
                #expect(!variant.fails.isEmpty, "\(id): \(variant.path) declares no scenario it fails")
            }
        }
    }
}
