import Catalog
import Foundation
import PluginKit

/// Every scenario plugin this grader knows: the built-in ones and the external ones found
/// under `grader/`. It also checks scenario parameters when the catalog loads.
public struct PluginRegistry: Sendable, ScenarioParameterChecker {
    public private(set) var plugins: [String: any ScenarioPlugin]

    public init(_ plugins: [any ScenarioPlugin]) {
        self.plugins = Dictionary(plugins.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The built-in plugins.
    public static var builtIn: PluginRegistry {
        PluginRegistry(BuiltInPlugins.all)
    }

    public func plugin(named name: String) -> (any ScenarioPlugin)? { plugins[name] }

    /// Sorted by name, for listings.
    public var sorted: [any ScenarioPlugin] { plugins.values.sorted { $0.name < $1.name } }

    public func check(plugin name: String, parameters: [(key: String, value: YAMLNode)], scenario: ObjectReader, pluginLocation: SourceLocation) {
        guard let plugin = plugins[name] else {
            var message = "no plugin named \"\(name)\""
            if let guess = ObjectReader.closestName(to: name, among: Set(plugins.keys)) { message += " (did you mean \"\(guess)\"?)" }
            message += "; installed: \(plugins.keys.sorted().joined(separator: ", "))"
            scenario.log.report(message, at: pluginLocation, field: scenario.path(of: "plugin"))
            return
        }
        let node = YAMLNode(.mapping(parameters.map { (key: YAMLNode(.scalar($0.key, quoted: false), at: $0.value.location), value: $0.value) }),
                            at: scenario.node.location)
        guard let reader = ObjectReader(node, path: scenario.path, log: scenario.log) else { return }
        plugin.check(reader)
    }
}

extension PluginRegistry {
    /// The built-in plugins plus every external plugin folder under `folder` (normally
    /// `grader/`): a folder holding `plugin.yaml`.
    public static func withExternalPlugins(in folder: URL) throws -> PluginRegistry {
        var registry = PluginRegistry.builtIn
        for plugin in try ExternalPluginLoader.load(from: folder) {
            registry.plugins[plugin.name] = plugin
        }
        return registry
    }
}

/// Finds external plugins; the manifest format and the JSON-lines protocol are in `grader/README.md`.
enum ExternalPluginLoader {
    static func load(from folder: URL) throws -> [any ScenarioPlugin] {
        let manager = FileManager.default
        // A catalog without grader/ simply has no external plugins.
        guard let names = try? manager.contentsOfDirectory(atPath: folder.path) else { return [] }
        let log = DiagnosticLog()
        let reserved = Set(BuiltInPlugins.all.map(\.name))
        var plugins: [ExternalPlugin] = []
        for name in names.sorted() {
            let candidate = folder.appendingPathComponent(name)
            guard manager.fileExists(atPath: candidate.appendingPathComponent("plugin.yaml").path) else { continue }
            guard let plugin = ExternalPluginManifest.load(folder: candidate, display: "\(folder.lastPathComponent)/\(name)",
                                                           reserved: reserved, log: log) else { continue }
            if let other = plugins.first(where: { $0.name == plugin.name }) {
                log.report("\(other.manifest) already declares a plugin named \"\(plugin.name)\"",
                           at: SourceLocation(file: plugin.manifest, line: 1, column: 1), field: "name")
                continue
            }
            plugins.append(plugin)
        }
        guard log.isEmpty else { throw CatalogError(diagnostics: log.diagnostics) }
        return plugins
    }
}
