import Foundation

/// Reads `exercise.yaml` into an ``ExerciseDefinition``, logging every problem it finds.
/// Checks that need the exercise's files happen in ``CatalogLoader``.
enum ExerciseParser {
    static func parse(_ root: YAMLNode, log: DiagnosticLog, checker: (any ScenarioParameterChecker)?) -> ExerciseDefinition? {
        guard let exercise = ObjectReader(root, path: "", log: log) else { return nil }
        let id = CourseParser.identifier(exercise, "id")
        let title = exercise.string("title")
        let statement = exercise.string("statement")
        let points = exercise.integer("points")
        let entry = exercise.object("entry").flatMap(parseEntry)
        let accept = exercise.strings("accept")
        let starter = exercise.string("starter", required: false)
        let limits = exercise.object("limits", required: false).map(parseLimits) ?? .defaults
        let scenarios = exercise.list("scenarios") { node, path -> Scenario? in
            guard let scenario = ObjectReader(node, path: path, log: log) else { return nil }
            return parseScenario(scenario, checker: checker)
        }
        let solution = exercise.string("solution")
        let broken = exercise.list("broken", required: false, allowEmpty: true) { node, path -> BrokenVariant? in
            guard let variant = ObjectReader(node, path: path, log: log) else { return nil }
            let folder = variant.string("path")
            let description = variant.string("description")
            let fails = variant.strings("fails")
            variant.rejectUnknownKeys()
            guard let folder, let description, let fails else { return nil }
            return BrokenVariant(path: folder, description: description, fails: fails)
        } ?? []
        exercise.rejectUnknownKeys()

        if let scenarios {
            checkScenarios(scenarios, points: points, broken: broken, in: exercise)
        }
        guard let id, let title, let statement, let points, let entry, let accept, let scenarios, let solution else { return nil }
        return ExerciseDefinition(id: id, title: title, statement: statement, points: points, entry: entry, accept: accept,
                                  starter: starter, limits: limits, scenarios: scenarios, solution: solution, broken: broken)
    }

    private static func parseEntry(_ entry: ObjectReader) -> EntryPoint? {
        let file = entry.string("file")
        let runtime = entry.choice("runtime", as: EntryPoint.Runtime.self) ?? .python3
        let arguments = entry.strings("args", required: false, allowEmpty: true) ?? []
        let environment = entry.stringMap("env") ?? [:]
        entry.rejectUnknownKeys()
        guard let file else { return nil }
        return EntryPoint(file: file, runtime: runtime, arguments: arguments, environment: environment)
    }

    private static func parseLimits(_ limits: ObjectReader) -> ResourceLimits {
        let base = ResourceLimits.defaults
        let result = ResourceLimits(
            wall: limits.duration("wall") ?? base.wall,
            cpu: limits.duration("cpu") ?? base.cpu,
            memory: limits.byteCount("memory") ?? base.memory,
            processes: limits.integer("processes", required: false) ?? base.processes,
            openFiles: limits.integer("files", required: false) ?? base.openFiles,
            output: limits.byteCount("output") ?? base.output,
            disk: limits.byteCount("disk") ?? base.disk)
        limits.rejectUnknownKeys()
        return result
    }

    /// Keys every scenario has; anything else belongs to its plugin.
    static let scenarioKeys: Set<String> = ["name", "plugin", "points", "visibility"]

    private static func parseScenario(_ scenario: ObjectReader, checker: (any ScenarioParameterChecker)?) -> Scenario? {
        let name = scenario.string("name")
        let plugin = scenario.string("plugin")
        let points = scenario.integer("points")
        let visibility = scenario.choice("visibility", as: Scenario.Visibility.self) ?? .visible
        let parameters = scenario.remainingPairs()
        if let plugin, let checker {
            let pluginLocation = scenario.value("plugin")!.location
            checker.check(plugin: plugin, parameters: parameters, scenario: scenario, pluginLocation: pluginLocation)
        }
        guard let name, let plugin, let points else { return nil }
        return Scenario(name: name, plugin: plugin, points: points, visibility: visibility,
                        parameters: Dictionary(parameters.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first }),
                        parameterOrder: parameters.map(\.key))
    }

    private static func checkScenarios(_ scenarios: [Scenario], points: Int?, broken: [BrokenVariant], in exercise: ObjectReader) {
        guard case let .sequence(nodes)? = exercise.value("scenarios")?.kind else { return }
        var names = Set<String>()
        for (index, scenario) in scenarios.enumerated() where index < nodes.count {
            if !names.insert(scenario.name).inserted {
                exercise.log.report("two scenarios are named \"\(scenario.name)\"; names must be unique",
                                    at: nodes[index].location, field: "scenarios[\(index)].name")
            }
        }
        if let points, scenarios.count == nodes.count {
            let sum = scenarios.reduce(0) { $0 + $1.points }
            if sum != points {
                exercise.report("the exercise is worth \(points) points but its scenarios add up to \(sum)",
                                at: exercise.value("points")!.location, key: "points")
            }
        }
        // With a scenario unreadable, its name is unknown: checking `fails` would only add noise.
        guard scenarios.count == nodes.count, case let .sequence(variantNodes)? = exercise.value("broken")?.kind else { return }
        for (index, variant) in broken.enumerated() where index < variantNodes.count {
            for (failIndex, name) in variant.fails.enumerated() where !names.contains(name) {
                var message = "no scenario is named \"\(name)\""
                if let guess = ObjectReader.closest(to: name, among: names) { message += " (did you mean \"\(guess)\"?)" }
                let location = failLocation(variantNodes[index], failIndex) ?? variantNodes[index].location
                exercise.log.report(message, at: location, field: "broken[\(index)].fails[\(failIndex)]")
            }
        }
    }

    private static func failLocation(_ variant: YAMLNode, _ index: Int) -> SourceLocation? {
        guard case let .mapping(pairs) = variant.kind,
              let fails = pairs.first(where: { $0.key.scalar == "fails" })?.value,
              case let .sequence(items) = fails.kind, index < items.count else { return nil }
        return items[index].location
    }
}

/// Checks a scenario's plugin-specific parameters; implemented by the grader's plugin registry.
///
/// The catalog knows nothing of plugins, so the registry is handed in by whoever loads it.
public protocol ScenarioParameterChecker: Sendable {
    /// Logs (through `scenario`) every problem with the parameters, including an unknown plugin name.
    func check(plugin: String, parameters: [(key: String, value: YAMLNode)], scenario: ObjectReader, pluginLocation: SourceLocation)
}
