import Foundation
import History
import Testing

/// Large histories are decided; hopeless ones end in unknown within their budget.
@Suite("Search size and budget")
struct SearchLimitsTests {
    @Test("a 1,000-operation, 10-client history is decided, for both models", arguments: Model.allCases)
    func thousandOperations(_ model: Model) throws {
        let events = SyntheticHistory.events(.init(model: model, operations: 1_000, clients: 10, infoRate: 0.01, seed: 11))
        let history = try History(events: events, model: model)
        let result = LinearizabilityChecker(budget: .seconds(60)).check(history)
        print("\(model.rawValue): 1,000 operations, 10 clients, \(result.keys) keys: \(result.verdict.rawValue) in \(Int(result.elapsedSeconds * 1000)) ms, \(result.statesExplored) states")
        #expect(result.verdict == .linearizable)
        #expect(result.operations == 1_000)
    }

    @Test("the same history with one read changed is caught")
    func thousandOperationsBroken() throws {
        var events = SyntheticHistory.events(.init(model: .casRegister, operations: 1_000, clients: 10, seed: 11))
        let index = try #require(events.indices.last { events[$0].type == .ok && events[$0].f == .read })
        events[index].value = .integer(12_345)
        let result = LinearizabilityChecker(budget: .seconds(60)).check(try History(events: events, model: .casRegister))
        #expect(result.verdict == .notLinearizable)
        #expect(result.violations.first?.prefixEndLine == index + 1)
        #expect(result.violations.first?.message.contains("no write ever wrote 12345") == true)
    }

    /// Many writes in flight at once and a read no order explains: the search must try
    /// every subset of the writes before it could conclude.
    static func pathological(writers: Int) -> [HistoryEvent] {
        var events = (0..<writers).map { HistoryEvent(process: $0, type: .invoke, f: .write, value: .integer($0)) }
        events.append(HistoryEvent(process: writers, type: .invoke, f: .read))
        events.append(HistoryEvent(process: writers, type: .ok, f: .read, value: .integer(-1)))
        events += (0..<writers).map { HistoryEvent(process: $0, type: .ok, f: .write, value: .integer($0)) }
        return events
    }

    @Test("a pathological history ends in unknown within its budget")
    func pathologicalEndsUnknown() throws {
        let history = try History(events: Self.pathological(writers: 40), model: .casRegister)
        let started = ContinuousClock.now
        let result = LinearizabilityChecker(budget: .milliseconds(500)).check(history)
        let elapsed = seconds(started.duration(to: .now))
        print("pathological: \(result.verdict.rawValue) after \(Int(elapsed * 1000)) ms, \(result.statesExplored) states")
        #expect(result.verdict == .unknown)
        #expect(result.undecided.first?.reason == .budget || result.undecided.first?.reason == .memory)
        // Generous: the point is that it stops near its budget instead of running for hours.
        #expect(elapsed < 10)
        #expect(result.report.hasPrefix("unknown: "))
    }

    @Test("a small memory limit also ends in unknown")
    func memoryLimit() throws {
        let history = try History(events: Self.pathological(writers: 40), model: .casRegister)
        let result = LinearizabilityChecker(budget: .seconds(30), memoryLimit: 4 << 20).check(history)
        #expect(result.verdict == .unknown)
        #expect(result.undecided.first?.reason == .memory)
    }

    @Test("cancelling the task ends the search in unknown")
    func cancellation() async throws {
        let history = try History(events: Self.pathological(writers: 40), model: .casRegister)
        let task = Task.detached { LinearizabilityChecker(budget: .seconds(60)).check(history) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let result = await task.value
        #expect(result.verdict == .unknown)
        #expect(result.undecided.first?.reason == .cancelled)
    }
}
