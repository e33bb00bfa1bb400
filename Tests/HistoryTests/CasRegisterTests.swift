import History
import Testing

/// Hand-made histories on one register (initially null), with the verdict a reader can
/// work out on paper.
@Suite("cas-register histories")
struct CasRegisterTests {
    @Test("a read concurrent with a write may see the new value")
    func concurrentReadSeesWrite() throws {
        let result = try check("""
            {"process":0,"type":"invoke","f":"write","value":1,"time":0.0}
            {"process":1,"type":"invoke","f":"read","value":null,"time":0.1}
            {"process":1,"type":"ok","f":"read","value":1,"time":0.2}
            {"process":0,"type":"ok","f":"write","value":1,"time":0.3}
            {"process":1,"type":"invoke","f":"read","value":null,"time":0.4}
            {"process":1,"type":"ok","f":"read","value":1,"time":0.5}
            """, .casRegister)
        #expect(result.verdict == .linearizable)
        #expect(result.violations.isEmpty)
    }

    @Test("a stale read is explained by the write that overwrote the value")
    func staleRead() throws {
        let result = try check(staleReadHistory, .casRegister)
        #expect(result.verdict == .notLinearizable)
        let violation = try #require(result.violations.first)
        #expect(violation.message == "process 2 read 3 at 1.204 s, but the last write that completed before it wrote 7 (process 0, ok at 1.100 s) and no write of 3 was pending.")
        #expect(violation.prefixEndLine == 6)
        #expect(violation.possibleValues == [.integer(7)])
        #expect(violation.involved.map(\.process) == [0, 0, 2], "the write of 3, the write of 7 and the read")
        #expect(result.report.contains("At that point the register could only hold 7."))
    }

    @Test("the read before it (null, while 3 was already written) is the earlier, shorter failing prefix")
    func shortestPrefix() throws {
        // Process 1 read null after the write of 3 completed: the history is already broken
        // at line 4, before process 2's stale read.
        let result = try check("""
            {"process":0,"type":"invoke","f":"write","value":3,"time":0.2}
            {"process":0,"type":"ok","f":"write","value":3,"time":0.5}
            {"process":1,"type":"invoke","f":"read","time":0.6}
            {"process":1,"type":"ok","f":"read","value":null,"time":0.7}
            {"process":2,"type":"invoke","f":"read","time":0.8}
            {"process":2,"type":"ok","f":"read","value":5,"time":0.9}
            """, .casRegister)
        let violation = try #require(result.violations.first)
        #expect(violation.prefixEndLine == 4)
        #expect(violation.prefixOperations == 2)
        #expect(violation.message == "process 1 read null at 0.700 s, but the last write that completed before it wrote 3 (process 0, ok at 0.500 s) and no write of null was pending.")
    }

    @Test("a lost write: a read after two acknowledged writes returns the older value")
    func lostWrite() throws {
        let result = try check("""
            {"process":0,"type":"invoke","f":"write","value":1}
            {"process":0,"type":"ok","f":"write","value":1}
            {"process":1,"type":"invoke","f":"write","value":2}
            {"process":1,"type":"ok","f":"write","value":2}
            {"process":2,"type":"invoke","f":"read"}
            {"process":2,"type":"ok","f":"read","value":1}
            """, .casRegister)
        #expect(result.verdict == .notLinearizable)
        #expect(result.violations.first?.message == "process 2 read 1 at line 6, but the last write that completed before it wrote 2 (process 1, ok at line 4) and no write of 1 was pending.")
    }

    @Test("a value nobody wrote")
    func valueNeverWritten() throws {
        let result = try check("""
            {"process":0,"type":"invoke","f":"write","value":1}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":9}
            {"process":0,"type":"ok","f":"write","value":1}
            """, .casRegister)
        #expect(result.violations.first?.message == "process 1 read 9 at line 3, but no write ever wrote 9 to the register.")
    }

    @Test("overlapping writes may take effect in either order, but only once each")
    func overlappingWrites() throws {
        // Reads during both writes may see 2 then 1: w2 took effect, then w1.
        let during = try check("""
            {"process":0,"type":"invoke","f":"write","value":1}
            {"process":1,"type":"invoke","f":"write","value":2}
            {"process":2,"type":"invoke","f":"read"}
            {"process":2,"type":"ok","f":"read","value":2}
            {"process":2,"type":"invoke","f":"read"}
            {"process":2,"type":"ok","f":"read","value":1}
            {"process":0,"type":"ok","f":"write","value":1}
            {"process":1,"type":"ok","f":"write","value":2}
            """, .casRegister)
        #expect(during.verdict == .linearizable)
        // After both completed, the value cannot flip back.
        let after = try check("""
            {"process":0,"type":"invoke","f":"write","value":1}
            {"process":1,"type":"invoke","f":"write","value":2}
            {"process":0,"type":"ok","f":"write","value":1}
            {"process":1,"type":"ok","f":"write","value":2}
            {"process":2,"type":"invoke","f":"read"}
            {"process":2,"type":"ok","f":"read","value":2}
            {"process":2,"type":"invoke","f":"read"}
            {"process":2,"type":"ok","f":"read","value":1}
            """, .casRegister)
        #expect(after.verdict == .notLinearizable)
        let violation = try #require(after.violations.first)
        #expect(violation.prefixEndLine == 8)
        #expect(violation.message == "process 2 read 1 at line 8, but at that point the register could only hold 2.")
    }

    @Test("an info write may take effect at any later time, or never")
    func infoWrite() throws {
        let late = try check("""
            {"process":0,"type":"invoke","f":"write","value":5}
            {"process":0,"type":"info","f":"write","value":5}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":null}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":5}
            """, .casRegister)
        #expect(late.verdict == .linearizable)
        let never = try check("""
            {"process":0,"type":"invoke","f":"write","value":5}
            {"process":0,"type":"info","f":"write"}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":null}
            """, .casRegister)
        #expect(never.verdict == .linearizable)
        // Taking effect is for good: 5 seen, then null again, is impossible.
        let undone = try check("""
            {"process":0,"type":"invoke","f":"write","value":5}
            {"process":0,"type":"info","f":"write","value":5}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":5}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":null}
            """, .casRegister)
        #expect(undone.verdict == .notLinearizable)
        #expect(undone.violations.first?.prefixEndLine == 6)
    }

    @Test("an invoke still pending at the end counts as info")
    func pendingAtEnd() throws {
        let result = try check("""
            {"process":0,"type":"invoke","f":"write","value":4}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":4}
            """, .casRegister)
        #expect(result.verdict == .linearizable)
    }

    @Test("a cas succeeds only on its expected value; a failed cas changed nothing")
    func casOutcomes() throws {
        let succeeded = try check("""
            {"process":0,"type":"invoke","f":"cas","value":[null,1]}
            {"process":0,"type":"ok","f":"cas","value":[null,1]}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":1}
            """, .casRegister)
        #expect(succeeded.verdict == .linearizable)

        let wrongExpected = try check("""
            {"process":0,"type":"invoke","f":"write","value":2}
            {"process":0,"type":"ok","f":"write","value":2}
            {"process":1,"type":"invoke","f":"cas","value":[0,1]}
            {"process":1,"type":"ok","f":"cas","value":[0,1]}
            """, .casRegister)
        #expect(wrongExpected.verdict == .notLinearizable)
        #expect(wrongExpected.violations.first?.message == "process 1's cas from 0 to 1 succeeded at line 4, but no write ever wrote 0 to the register.")

        let failedThenRead = try check("""
            {"process":0,"type":"invoke","f":"cas","value":[null,1]}
            {"process":0,"type":"fail","f":"cas","value":[null,1]}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":1}
            """, .casRegister)
        #expect(failedThenRead.verdict == .notLinearizable, "a failed cas certainly did not set 1")

        let failedThenNull = try check("""
            {"process":0,"type":"invoke","f":"cas","value":[null,1]}
            {"process":0,"type":"fail","f":"cas","value":[null,1]}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":null}
            """, .casRegister)
        #expect(failedThenNull.verdict == .linearizable)
    }

    @Test("an info cas took effect only if its expected value was there")
    func infoCas() throws {
        let applied = try check("""
            {"process":0,"type":"invoke","f":"cas","value":[null,8]}
            {"process":0,"type":"info","f":"cas","value":[null,8]}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":8}
            """, .casRegister)
        #expect(applied.verdict == .linearizable)
        let impossible = try check("""
            {"process":0,"type":"invoke","f":"write","value":1}
            {"process":0,"type":"ok","f":"write","value":1}
            {"process":0,"type":"invoke","f":"cas","value":[2,8]}
            {"process":0,"type":"info","f":"cas","value":[2,8]}
            {"process":1,"type":"invoke","f":"read"}
            {"process":1,"type":"ok","f":"read","value":8}
            """, .casRegister)
        #expect(impossible.verdict == .notLinearizable)
    }

    @Test("registers with keys are checked independently, and the message names the register")
    func keyedRegisters() throws {
        let result = try check("""
            {"process":0,"type":"invoke","f":"write","key":1,"value":10}
            {"process":0,"type":"ok","f":"write","key":1,"value":10}
            {"process":1,"type":"invoke","f":"read","key":2}
            {"process":1,"type":"ok","f":"read","key":2,"value":null}
            {"process":1,"type":"invoke","f":"read","key":1}
            {"process":1,"type":"ok","f":"read","key":1,"value":null}
            """, .casRegister)
        #expect(result.keys == 2)
        #expect(result.violations.count == 1)
        #expect(result.violations.first?.key == .integer(1))
        #expect(result.violations.first?.message.hasPrefix("register 1: process 1 read null at line 6") == true)
    }

    @Test("an empty history is linearizable")
    func empty() throws {
        #expect(try check("", .casRegister).verdict == .linearizable)
    }
}
