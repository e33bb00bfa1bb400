import Foundation
import History
import Testing
import TestSupport

/// `classroom history check`, run as the real executable: one test per exit status.
@Suite("history check CLI")
struct HistoryCLITests {
    let folder: TemporaryDirectory

    init() throws { folder = try TemporaryDirectory("classroom-history") }

    func run(_ arguments: String...) throws -> CommandOutput {
        try ClassroomBinary.run(["history", "check"] + arguments, in: folder.url)
    }

    @Test("exit 0: linearizable")
    func linearizable() throws {
        try folder.write("ok.jsonl", """
            {"process":0,"type":"invoke","f":"put","key":"a","value":"1"}
            {"process":0,"type":"ok","f":"put","key":"a","value":"1"}
            {"process":1,"type":"invoke","f":"get","key":"a"}
            {"process":1,"type":"ok","f":"get","key":"a","value":"1"}
            """)
        let output = try run("--model", "kv", "ok.jsonl")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("linearizable: 2 operations (kv model), decided in "))
    }

    @Test("exit 1: not linearizable, explained in words")
    func notLinearizable() throws {
        try folder.write("stale.jsonl", staleReadHistory)
        let output = try run("--model", "cas-register", "stale.jsonl")
        #expect(output.status == 1)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "not linearizable (cas-register model):")
        #expect(lines.contains("  process 2 read 3 at 1.204 s, but the last write that completed before it wrote 7 (process 0, ok at 1.100 s) and no write of 3 was pending."))
        #expect(lines.contains("  The shortest prefix that cannot be linearized ends at line 6 (3 operations on the register); the operations involved:"))
        #expect(lines.contains("    process 0: write 7, invoked at 1.000 s (line 3), ok at 1.100 s (line 4)"))
        #expect(lines.contains("    process 2: read → 3, invoked at 1.150 s (line 5), ok at 1.204 s (line 6)"))
    }

    @Test("--json prints the verdict as one object")
    func json() throws {
        try folder.write("stale.jsonl", staleReadHistory)
        let output = try run("--model", "cas-register", "--json", "stale.jsonl")
        #expect(output.status == 1)
        let result = try JSONDecoder().decode(CheckResult.self, from: Data(output.stdout.utf8))
        #expect(result.verdict == .notLinearizable)
        #expect(result.violations.first?.operation.process == 2)
        #expect(result.violations.first?.prefixEndLine == 6)
        #expect(output.stdout.contains(#""verdict":"not-linearizable""#))
    }

    @Test("exit 2: unknown when the budget is spent")
    func unknown() throws {
        var lines = (0..<40).map { #"{"process":\#($0),"type":"invoke","f":"write","value":\#($0)}"# }
        lines.append(#"{"process":40,"type":"invoke","f":"read"}"#)
        lines.append(#"{"process":40,"type":"ok","f":"read","value":-1}"#)
        lines += (0..<40).map { #"{"process":\#($0),"type":"ok","f":"write","value":\#($0)}"# }
        try folder.write("hard.jsonl", lines.joined(separator: "\n"))
        let output = try run("--model", "cas-register", "--budget", "0.3", "hard.jsonl")
        #expect(output.status == 2)
        #expect(output.stdout.hasPrefix("unknown: the search spent its budget"))
    }

    @Test("exit 3: bad input, as FILE:LINE: message")
    func badInput() throws {
        try folder.write("bad.jsonl", """
            {"process":0,"type":"invoke","f":"read"}
            {"process":0,"type":"ok","f":"read","value":[1]}
            {"process":1,"type":"finish","f":"read"}
            """)
        let output = try run("--model", "cas-register", "bad.jsonl")
        #expect(output.status == 3)
        #expect(output.stderr.split(separator: "\n").map(String.init) == [
            "bad.jsonl:2: a read's ok carries the value read (null, an integer or a string), not [1]",
            #"bad.jsonl:3: unknown type "finish" (expected invoke, ok, fail or info)"#,
        ])
        let missing = try run("--model", "kv", "missing.jsonl")
        #expect(missing.status == 3)
        #expect(missing.stderr.hasPrefix("missing.jsonl: cannot read the file"))
    }
}
