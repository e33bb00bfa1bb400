import ArgumentParser
import Catalog
import Foundation

extension ClassroomCommand {
    /// Runs the command line, printing failures as the person at the terminal needs them:
    /// catalog problems one per line, anything else as one line; never a stack trace.
    public static func runMain() async {
        do {
            var command = try parseAsRoot(GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CatalogError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
