import Catalog
import Foundation
import Grading
import Testing
import TestSupport

/// Mistakes in scenario parameters are caught when the catalog loads, with file and line.
@Suite struct ParameterCheckTests {
    @Test func processTyposAndWrongTypesAreReportedWithTheirLines() throws {
        let workspace = try Workspace()
        try workspace.exercise("typos", scenarios: """
          - name: runs
            plugin: process
            points: 1
            stdot: "hi"
            repeat: lots
            stdout: { compare: sorted, expect: "x" }
            speedup: { workers: 2, minimum: 3 }
        """, points: 1)
        let problems = try workspace.diagnostics(["typos"])
        #expect(problems.contains { $0.contains("exercise.yaml:17:") && $0.contains("unknown key \"stdot\" (did you mean \"stdout\"?)") })
        #expect(problems.contains { $0.contains("exercise.yaml:18:") && $0.contains("expected a positive integer") })
        #expect(problems.contains { $0.contains("exercise.yaml:19:") && $0.contains("\"sorted-lines\"") })
        #expect(problems.contains { $0.contains("exercise.yaml:20:") && $0.contains("cannot be more than 2 times faster") })
    }

    @Test func badPatternsAndJSONAreCaughtAtLoad() throws {
        let workspace = try Workspace()
        try workspace.exercise("patterns", scenarios: """
          - name: regex
            plugin: process
            points: 1
            stdout: { compare: regex, expect: "([a-z" }
          - name: json
            plugin: process
            points: 1
            stdout: { compare: json, expect: "{not json" }
        """, points: 2)
        let problems = try workspace.diagnostics(["patterns"])
        #expect(problems.contains { $0.contains("exercise.yaml:17:") && $0.contains("not a valid regular expression") })
        #expect(problems.contains { $0.contains("exercise.yaml:21:") && $0.contains("not valid JSON") })
    }

    @Test func pythonTestsNeedAFileAndTestNames() throws {
        let workspace = try Workspace()
        try workspace.exercise("tests", scenarios: """
          - name: unit
            plugin: python-tests
            points: 1
            file: ../outside.py
            tests: [TestA.test-b]
            timout: 2s
        """, points: 1)
        let problems = try workspace.diagnostics(["tests"])
        #expect(problems.contains { $0.contains("exercise.yaml:17:") && $0.contains("inside the exercise folder") })
        #expect(problems.contains { $0.contains("exercise.yaml:18:") && $0.contains("tests[0]") })
        #expect(problems.contains { $0.contains("exercise.yaml:19:") && $0.contains("did you mean \"timeout\"") })
    }

    @Test func externalPluginParametersAreCheckedFromTheManifest() throws {
        let workspace = try Workspace()
        try workspace.exercise("rpc", scenarios: """
          - name: calls
            plugin: xmlrpc
            points: 1
            calls:
              - { methd: add, args: [1, 2], expect: 3 }
              - { method: add, args: 5 }
            timeout: soon
        """, points: 1)
        let problems = try workspace.diagnostics(["rpc"])
        #expect(problems.contains { $0.contains("exercise.yaml:18:") && $0.contains("unknown key \"methd\" (did you mean \"method\"?)") })
        #expect(problems.contains { $0.contains("exercise.yaml:19:") && $0.contains("calls[1].args") && $0.contains("expected a list") })
        #expect(problems.contains { $0.contains("exercise.yaml:20:") && $0.contains("positive duration") })
    }
}

/// External plugin manifests: loaded from grader/, checked with file and line.
@Suite struct ManifestTests {
    @Test func theShippedXMLRPCPluginIsListed() throws {
        let registry = try Workspace.registry()
        let plugin = try #require(registry.plugin(named: "xmlrpc"))
        #expect(plugin.parameters.map(\.name) == ["calls", "timeout", "path"])
        #expect(plugin.parameters.first?.required == true)
        #expect(registry.plugin(named: "process") != nil && registry.plugin(named: "python-tests") != nil)
    }

    @Test func aBrokenManifestIsReportedWithItsLines() throws {
        let folder = try TemporaryDirectory("manifests")
        try folder.write("grader/bad/plugin.yaml", """
        name: Bad Name
        summary: a plugin with mistakes
        protocol: 2
        command: [python3, peer.py]
        parameters:
          - name: rounds
            type: integr
          - name: steps
            type: string
            items: string
        extra: true

        """)
        do {
            _ = try PluginRegistry.withExternalPlugins(in: folder.file("grader"))
            Issue.record("a broken manifest loaded")
        } catch let error as CatalogError {
            let lines = error.diagnostics.map(\.description)
            #expect(lines.contains { $0.hasPrefix("grader/bad/plugin.yaml:1:") && $0.contains("lowercase") })
            #expect(lines.contains { $0.hasPrefix("grader/bad/plugin.yaml:3:") && $0.contains("protocol 1") })
            #expect(lines.contains { $0.hasPrefix("grader/bad/plugin.yaml:7:") && $0.contains("unknown type \"integr\"") })
            #expect(lines.contains { $0.hasPrefix("grader/bad/plugin.yaml:10:") && $0.contains("only applies to type list") })
            #expect(lines.contains { $0.hasPrefix("grader/bad/plugin.yaml:11:") && $0.contains("unknown key \"extra\"") })
        }
    }

    @Test func aFolderWithoutManifestsAddsNothing() throws {
        let folder = try TemporaryDirectory("manifests")
        try folder.write("grader/notes/README.md", "no plugin here\n")
        let registry = try PluginRegistry.withExternalPlugins(in: folder.file("grader"))
        #expect(registry.plugins.count == PluginRegistry.builtIn.plugins.count)
    }
}
