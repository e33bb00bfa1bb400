import Foundation
import History
import Testing

/// Histories with verdicts published by an established checker (porcupine's test data,
/// converted to our format by Data/convert.py; the verdict is in each file's name).
@Suite("Published histories")
struct PublishedHistoryTests {
    static func files(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataFolder.appendingPathComponent(folder).path)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    static let etcd = files("etcd")
    static let kv = files("kv")

    @Test("the converted data is there")
    func present() {
        #expect(Self.etcd.count >= 40)
        #expect(Self.kv.count >= 4)
    }

    @Test("Jepsen etcd register histories get porcupine's verdicts", arguments: etcd)
    func etcdHistory(_ name: String) throws {
        try expectVerdict(folder: "etcd", name: name, model: .casRegister)
    }

    @Test("key-value histories get porcupine's verdicts", arguments: kv)
    func kvHistory(_ name: String) throws {
        try expectVerdict(folder: "kv", name: name, model: .kv)
    }

    @Test("with many broken keys, the report explains the earliest three and names the rest")
    func manyBrokenKeys() throws {
        let history = try History.load(contentsOf: dataFolder.appendingPathComponent("kv/c10-bad.jsonl"), model: .kv)
        let result = LinearizabilityChecker().check(history)
        #expect(result.violations.count > 3)
        let prefixes = result.violations.map(\.prefixEndLine)
        #expect(prefixes == prefixes.sorted(), "earliest first")
        let report = result.report
        #expect(report.components(separatedBy: "The shortest prefix").count == 4)
        #expect(report.contains("… and \(result.violations.count - 3) more not linearizable: key "))
    }

    private func expectVerdict(folder: String, name: String, model: Model) throws {
        let history = try History.load(contentsOf: dataFolder.appendingPathComponent(folder).appendingPathComponent(name), model: model, source: name)
        let result = LinearizabilityChecker(budget: .seconds(60)).check(history)
        let expected: CheckResult.Verdict = name.hasSuffix("-ok.jsonl") ? .linearizable : .notLinearizable
        #expect(result.verdict == expected, "\(name): \(result.report)")
        if let violation = result.violations.first {
            #expect(!violation.involved.isEmpty && violation.prefixEndLine > 0)
        }
    }
}
