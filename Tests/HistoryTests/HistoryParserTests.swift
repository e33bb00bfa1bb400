import Foundation
import History
import Testing

/// Bad histories are rejected with every problem at its line, as `FILE:LINE: message`.
@Suite("History format")
struct HistoryParserTests {
    @Test("each kind of bad line is named at its line, all at once")
    func badLines() {
        let found = problems("""
            {"process":0,"type":"invoke","f":"write","value":1}
            {"process":0,"type":"done","f":"write","value":1}
            {"process":1,"type":"ok","f":"read","value":1}
            {"process":0,"type":"invoke","f":"read"}

            {"process":2,"type":"invoke","f":"cas","value":3}
            {"process":3,"type":"invoke","f":"read"}
            {"process":3,"type":"info","f":"read"}
            {"process":3,"type":"invoke","f":"read"}
            {"process":4,"type":"invoke","f":"get","key":"k"}
            {"process":5,"type":"invoke","f":"read"}
            {"process":5,"type":"ok","f":"read","value":[1,2]}
            {"process":6,"type":"invoke","f":"write","value":true}
            {process: 6}
            [1, 2]
            {"process":"p7","type":"invoke","f":"read"}
            {"process":8,"type":"invoke","f":"jump"}
            """, .casRegister)
        #expect(found == [
            #"h.jsonl:2: unknown type "done" (expected invoke, ok, fail or info)"#,
            "h.jsonl:3: this ok has no pending invoke from process 1",
            "h.jsonl:4: process 0 invokes again while its invoke at line 1 is still pending",
            "h.jsonl:6: a cas's value must be [expected, new], two values each null, an integer or a string, not 3",
            "h.jsonl:9: process 3 issued an info at line 8, so it must issue nothing more (give a retry a new process number)",
            #"h.jsonl:10: "f" is "get", which the cas-register model does not have (it has read, write and cas)"#,
            "h.jsonl:12: a read's ok carries the value read (null, an integer or a string), not [1, 2]",
            #"h.jsonl:13: "value" holds true, which no model uses (values are null, integers, strings, and [expected, new] for a cas)"#,
            "h.jsonl:14: not valid JSON (each line must be one JSON object)",
            "h.jsonl:15: each line must be one JSON object, not a list",
            #"h.jsonl:16: "process" must be an integer, not a string ("p7")"#,
            #"h.jsonl:17: unknown "f" "jump" (expected read, write or cas for cas-register; get, put or append for kv)"#,
        ])
    }

    @Test("kv lines need a key and string values; completions must match their invoke")
    func kvShapes() {
        let found = problems("""
            {"process":0,"type":"invoke","f":"get"}
            {"process":1,"type":"invoke","f":"put","key":"k","value":5}
            {"process":2,"type":"invoke","f":"put","key":"k","value":"a"}
            {"process":2,"type":"ok","f":"append","key":"k","value":"a"}
            {"process":3,"type":"invoke","f":"put","key":"k","value":"a"}
            {"process":3,"type":"ok","f":"put","key":"j","value":"a"}
            {"process":4,"type":"invoke","f":"append","key":"k","value":"a"}
            {"process":4,"type":"ok","f":"append","key":"k","value":"b"}
            {"process":5,"type":"invoke","f":"get","key":"k","value":"x"}
            """, .kv)
        #expect(found == [
            #"h.jsonl:1: a kv operation needs a "key""#,
            "h.jsonl:2: a put's value must be a string, not 5",
            "h.jsonl:4: this ok is for an append, but process 2's pending invoke (line 3) is a put",
            #"h.jsonl:6: this ok is for key "j", but process 3's pending invoke (line 5) is for key "k""#,
            #"h.jsonl:8: this ok's value "b" differs from its invoke's "a" (line 7)"#,
            #"h.jsonl:9: a get's invoke has value null, not "x""#,
        ])
    }

    @Test("times must not go backwards")
    func timesInOrder() {
        let found = problems("""
            {"process":0,"type":"invoke","f":"read","time":2.5}
            {"process":0,"type":"ok","f":"read","value":null,"time":1.0}
            """, .casRegister)
        #expect(found == ["h.jsonl:2: time 1.0 is earlier than line 1's 2.5: lines must be in real-time order"])
    }

    @Test("events encoded with JSONEncoder read back as the same history")
    func roundTrip() throws {
        let events = SyntheticHistory.events(.init(model: .kv, operations: 200, clients: 4, infoRate: 0.05, seed: 3))
        let encoder = JSONEncoder()
        let text = try events.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
        let parsed = try History.parse(text, source: "round-trip", model: .kv)
        let direct = try History(events: events, model: .kv)
        #expect(parsed.operations == direct.operations)
        #expect(parsed.operations.count == 200)
        #expect(parsed.operations.contains { $0.outcome == .info })
    }

    @Test("a missing file is bad input naming the file")
    func missingFile() {
        #expect(throws: HistoryInputError.self) {
            try History.load(contentsOf: URL(fileURLWithPath: "/nonexistent/h.jsonl"), model: .kv)
        }
    }
}
