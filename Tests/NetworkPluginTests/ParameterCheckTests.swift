import Catalog
import Foundation
import Grading
import Testing
import TestSupport

@Suite("Network plugin parameters")
struct ParameterCheckTests {
    /// The 1-based line of the first line of `text` containing `marker`.
    func line(of marker: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(marker) } ?? -1) + 1
    }

    @Test("typos, wrong types, bad regexes and dangling names are each reported at their file:line")
    func reportsEveryProblem() throws {
        let fixture = try Fixture()
        let yaml = exerciseHead("typos", entry: "server.py", points: 5) + """
        scenarios:
          - name: tcp typos
            plugin: tcp
            points: 1
            steps:
              - connect: a
              - sned: { to: a, data: "x" }
              - expect: { from: a, data: "x", withn: 1s }
              - send: { to: b, data: "y" }
              - expect: { from: a, line: "x", match: "x" }
              - sleep: soon
          - name: udp typos
            plugin: udp
            points: 1
            steps:
              - send: { data: "time?" }
              - expect: { match: "([", within: 1s }
              - reply: { from: nobody, data: "x" }
          - name: concurrency typos
            plugin: concurrency
            points: 1
            clients: many
            send: "ping\\n"
            expect: { line: "pong" }
            threds: 1
          - name: missing steps
            plugin: tcp
            points: 1
            stesp: []
          - name: unopened send
            plugin: tcp
            points: 1
            steps:
              - send: { data: "hi\\n" }
        solution: solution

        """
        try fixture.exercise("typos", yaml: yaml, files: ["README.md": "x", "solution/server.py": "pass\n"])
        let lines = try fixture.diagnostics(["typos"])
        func expectReported(_ marker: String, _ message: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            let at = "exercises/typos/exercise.yaml:\(line(of: marker, in: yaml)):"
            #expect(lines.contains { $0.contains(at) && $0.contains(message) }, "no \(at) … \(message) in \(lines)", sourceLocation: sourceLocation)
        }
        expectReported("- sned:", "unknown step \"sned\" (did you mean \"send\"?)")
        expectReported("withn: 1s", "unknown key \"withn\" (did you mean \"within\"?)")
        expectReported("to: b,", "no connection named \"b\"")
        expectReported("match: \"x\" }", "give only one of data, line or match")
        expectReported("sleep: soon", "expected a positive duration")
        expectReported("match: \"([\"", "not a valid regular expression")
        expectReported("from: nobody", "socket \"nobody\" has received nothing to reply to")
        expectReported("clients: many", "expected a positive integer")
        expectReported("threds: 1", "unknown key \"threds\" (did you mean \"threads\"?)")
        expectReported("stesp: []", "unknown key \"stesp\" (did you mean \"steps\"?)")
        expectReported("- send: { data: \"hi", "no connection to use")
        #expect(lines.count == 11, "\(lines.joined(separator: "\n"))")
    }

    @Test("the shipped network exercises pass the parameter check and every plugin is listed")
    func shippedExercisesLoad() throws {
        let registry = PluginRegistry.builtIn
        for name in ["tcp", "udp", "concurrency"] {
            let plugin = try #require(registry.plugin(named: name))
            #expect(!plugin.parameters.isEmpty)
        }
        let fixture = try Fixture()
        // Proven as declared by the whole-bank check (GradingCLITests); here they must load.
        let ids = ["tcp-echo", "udp-time", "threaded-server", "select-server", "json-client"]
        let course = try fixture.course(ids)
        let catalog = try CatalogLoader(root: Repository.root, parameterChecker: registry).load(courseFiles: [course])
        #expect(Set(catalog.exercises.map(\.definition.id)) == Set(ids))
    }
}
