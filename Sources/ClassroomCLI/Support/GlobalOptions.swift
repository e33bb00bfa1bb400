/// `--db` and `--catalog` before the subcommand (`classroom --db x course list`), as well as after it.
///
/// The argument parser only knows options where a subcommand declares them, so options given
/// before the first subcommand are moved to the end of the arguments (before any `--`), where
/// the subcommand that declares them reads them. A subcommand that takes neither still says so.
enum GlobalOptions {
    static let names: Set<String> = ["--db", "--catalog"]

    static func hoisted(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if names.contains(argument), index + 1 < arguments.endIndex {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else if let equals = argument.firstIndex(of: "="), names.contains(String(argument[..<equals])) {
                leading.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return arguments }
        var rest = Array(arguments[index...])
        let end = rest.firstIndex(of: "--") ?? rest.endIndex
        rest.insert(contentsOf: leading, at: end)
        return rest
    }
}
