import ArgumentParser

/// `classroom`: the one executable, for instructors and students alike.
public struct ClassroomCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "classroom",
        abstract: "A grader and scripted classroom for courses on network, concurrency and distributed programming in Python.",
        discussion: """
            Start with `classroom init` in a folder holding courses/ and exercises/: it creates the \
            database (classroom.db) and loads the shipped courses. `classroom validate` checks the \
            catalog without touching any database. --db and --catalog may come before or after \
            the subcommand.
            """,
        version: ClassroomCommand.version,
        subcommands: [
            InitCommand.self,
            ValidateCommand.self,
            CourseCommand.self,
            ExerciseCommand.self,
            StudentCommand.self,
            InstructorCommand.self,
            SubmissionCommand.self,
            ExportCommand.self,
            ServeCommand.self,
            LoginCommand.self,
            SubmitCommand.self,
            StatusCommand.self,
            SubmissionsCommand.self,
            ScoreboardCommand.self,
            ResultsCommand.self,
            RegradeCommand.self,
            GraderCommand.self,
            PluginsCommand.self,
            SandboxCommand.self,
            BenchCommand.self,
            HistoryCommand.self,
            DatabaseCommand.self,
            MaelstromCommand.self,
        ])

    /// The release this build is, as `classroom --version` prints it.
    public static let version = "0.2.0"

    public init() {}
}
