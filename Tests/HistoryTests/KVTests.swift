import History
import Testing

/// Hand-made histories on string values per key (each initially ""), get/put/append.
@Suite("kv histories")
struct KVTests {
    @Test("concurrent appends may land in either order, each exactly once")
    func concurrentAppends() throws {
        func history(_ seen: String) -> String {
            """
            {"process":0,"type":"invoke","f":"append","key":"k","value":"x"}
            {"process":1,"type":"invoke","f":"append","key":"k","value":"y"}
            {"process":0,"type":"ok","f":"append","key":"k","value":"x"}
            {"process":1,"type":"ok","f":"append","key":"k","value":"y"}
            {"process":2,"type":"invoke","f":"get","key":"k"}
            {"process":2,"type":"ok","f":"get","key":"k","value":"\(seen)"}
            """
        }
        #expect(try check(history("xy"), .kv).verdict == .linearizable)
        #expect(try check(history("yx"), .kv).verdict == .linearizable)
        let twice = try check(history("xyx"), .kv)
        #expect(twice.verdict == .notLinearizable)
        #expect(twice.violations.first?.message == #"key "k": process 2 got "xyx" at line 6, but at that point key "k" could only hold "xy" or "yx"."#)
        let lost = try check(history("y"), .kv)
        #expect(lost.verdict == .notLinearizable, "an acknowledged append was lost")
    }

    @Test("a get after a completed put must see it (stale read)")
    func staleGet() throws {
        let result = try check("""
            {"process":0,"type":"invoke","f":"put","key":"a","value":"1","time":0.5}
            {"process":0,"type":"ok","f":"put","key":"a","value":"1","time":0.6}
            {"process":1,"type":"invoke","f":"get","key":"a","time":0.7}
            {"process":1,"type":"ok","f":"get","key":"a","value":"","time":0.8}
            """, .kv)
        #expect(result.verdict == .notLinearizable)
        #expect(result.violations.first?.message == #"key "a": process 1 got "" at 0.800 s, but the last put that completed before it put "1" (process 0, ok at 0.600 s) and no put or append of "" was pending."#)
    }

    @Test("keys are independent: only the broken key is reported, by name")
    func independentKeys() throws {
        let result = try check("""
            {"process":0,"type":"invoke","f":"put","key":"a","value":"1"}
            {"process":1,"type":"invoke","f":"put","key":"b","value":"2"}
            {"process":0,"type":"ok","f":"put","key":"a","value":"1"}
            {"process":1,"type":"ok","f":"put","key":"b","value":"2"}
            {"process":0,"type":"invoke","f":"get","key":"b"}
            {"process":0,"type":"ok","f":"get","key":"b","value":"2"}
            {"process":1,"type":"invoke","f":"get","key":"a"}
            {"process":1,"type":"ok","f":"get","key":"a","value":"2"}
            """, .kv)
        #expect(result.keys == 2)
        #expect(result.violations.map(\.key) == [.string("a")])
        #expect(result.violations.first?.message == #"key "a": process 1 got "2" at line 8, but no put or append ever produced "2" to key "a"."#)
    }

    @Test("an info append may show up later, or never; a failed one never")
    func infoAndFailedAppends() throws {
        let info = try check("""
            {"process":0,"type":"invoke","f":"append","key":"k","value":"z"}
            {"process":0,"type":"info","f":"append","key":"k"}
            {"process":1,"type":"invoke","f":"get","key":"k"}
            {"process":1,"type":"ok","f":"get","key":"k","value":""}
            {"process":1,"type":"invoke","f":"get","key":"k"}
            {"process":1,"type":"ok","f":"get","key":"k","value":"z"}
            """, .kv)
        #expect(info.verdict == .linearizable)
        let failed = try check("""
            {"process":0,"type":"invoke","f":"append","key":"k","value":"z"}
            {"process":0,"type":"fail","f":"append","key":"k"}
            {"process":1,"type":"invoke","f":"get","key":"k"}
            {"process":1,"type":"ok","f":"get","key":"k","value":"z"}
            """, .kv)
        #expect(failed.verdict == .notLinearizable)
    }

    @Test("a put replaces what appends built")
    func putReplaces() throws {
        let result = try check("""
            {"process":0,"type":"invoke","f":"append","key":"k","value":"a"}
            {"process":0,"type":"ok","f":"append","key":"k","value":"a"}
            {"process":0,"type":"invoke","f":"put","key":"k","value":"p"}
            {"process":0,"type":"ok","f":"put","key":"k","value":"p"}
            {"process":0,"type":"invoke","f":"append","key":"k","value":"b"}
            {"process":0,"type":"ok","f":"append","key":"k","value":"b"}
            {"process":1,"type":"invoke","f":"get","key":"k"}
            {"process":1,"type":"ok","f":"get","key":"k","value":"pb"}
            """, .kv)
        #expect(result.verdict == .linearizable)
    }
}
