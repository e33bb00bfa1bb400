import Catalog
import Store

/// Who may see a course's board and exercise pages: the course's `scoreboard:` setting,
/// the same rule the line protocol applies to SCOREBOARD and WATCH.
enum CourseAccess {
    static func check(_ course: CourseOverview, for principal: Principal) throws(Refusal) {
        let id = course.record.id
        switch (course.definition.scoreboard, principal) {
        case (_, .instructor), (.public, _):
            return
        case (.students, .student(_, let courses)) where courses.contains(id):
            return
        case (.students, _):
            throw Refusal(status: .forbidden, message: "The board of \(id) is for its students; log in first.", offerLogin: true)
        case (.hidden, _):
            throw Refusal(status: .forbidden, message: "The board of \(id) is not shown on the web.", offerLogin: true)
        }
    }
}
