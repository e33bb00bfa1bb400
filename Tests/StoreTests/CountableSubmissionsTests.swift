import Catalog
import Foundation
@testable import Store
import Testing

@Suite("What a regrade takes")
struct CountableSubmissionsTests {
    static func submission(_ id: Int64, student: Int64, course: String) -> SubmissionRecord {
        SubmissionRecord(id: id, studentId: student, courseId: course, exerciseId: "e", exerciseVersion: 1,
                         submittedAt: Date(timeIntervalSince1970: Double(id)), sha256: "", byteCount: 1)
    }

    @Test("every submission where the best counts, each student's latest where the latest counts, all where the course is unknown")
    func selection() {
        let submissions = [
            Self.submission(1, student: 1, course: "best"), Self.submission(2, student: 1, course: "best"),
            Self.submission(3, student: 1, course: "latest"), Self.submission(5, student: 1, course: "latest"),
            Self.submission(4, student: 2, course: "latest"), Self.submission(6, student: 2, course: "gone"),
            Self.submission(7, student: 2, course: "gone"),
        ]
        let chosen = CountableSubmissions.select(submissions, counts: ["best": .best, "latest": .latest])
        #expect(chosen.map(\.id) == [1, 2, 4, 5, 6, 7])
    }
}
