import ArgumentParser

/// `classroom export`: the gradebook and the counted files, for the instructor's own tools.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a course's grades or its counted submissions.",
        discussion: "Withdrawn students are left out of every export.",
        subcommands: [GradesExport.self, SubmissionsExport.self])
}
