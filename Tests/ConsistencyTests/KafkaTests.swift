import Testing
import Consistency

private func send(_ p: Int, _ key: String, _ message: Int, at offset: Int, time: Double = 0) -> KafkaEvent {
    KafkaEvent(process: p, outcome: .ok, invokedAt: time, completedAt: time + 0.01, op: .send(key: key, message: message, offset: offset))
}

private func poll(_ p: Int, _ key: String, _ records: [(Int, Int)], time: Double) -> KafkaEvent {
    KafkaEvent(process: p, outcome: .ok, invokedAt: time, completedAt: time + 0.01,
               op: .poll(messages: [key: records.map { KafkaRecord(offset: $0.0, message: $0.1) }]))
}

@Suite("kafka histories")
struct KafkaTests {
    @Test("sends read back in order by every poller are valid")
    func valid() {
        let history = [
            send(0, "1", 10, at: 0), send(0, "1", 11, at: 1), send(1, "1", 12, at: 5),
            poll(2, "1", [(0, 10), (1, 11)], time: 1),
            poll(2, "1", [(5, 12)], time: 2),             // offsets 2–4 hold nothing: allowed
            poll(3, "1", [(0, 10), (1, 11), (5, 12)], time: 3),
        ]
        let report = checkKafka(history)
        #expect(report.valid, "\(report.problems.map(\.explanation))")
        #expect(report.acknowledgedSends == 3)
        #expect(report.polledSends == 3)
    }

    @Test("an acknowledged send that polls read past is a lost write")
    func lostWrite() {
        let history = [
            send(0, "7", 1, at: 0), send(0, "7", 2, at: 1), send(0, "7", 3, at: 2),
            poll(1, "7", [(0, 1), (2, 3)], time: 1),
        ]
        let report = checkKafka(history)
        #expect(!report.valid)
        #expect(report.counts[.lostWrite] == 1)
        #expect(report.counts[.internalPollSkip] == 1)
        #expect(report.problems.first?.explanation.contains("Message 2, acknowledged to process 0 at offset 1 of key 7") == true)
    }

    @Test("one message at two offsets, and two messages at one offset")
    func duplicatesAndConflicts() {
        let duplicate = [send(0, "1", 5, at: 0), poll(1, "1", [(0, 5), (1, 5)], time: 1)]
        #expect(checkKafka(duplicate).counts[.duplicate] == 1)
        let conflict = [send(0, "1", 5, at: 0), send(1, "1", 6, at: 0), poll(2, "1", [(0, 5)], time: 1)]
        let report = checkKafka(conflict)
        #expect(report.counts[.inconsistentOffsets] == 1)
        #expect(!report.valid)
    }

    @Test("a poller going back, or jumping over a message, without being reassigned")
    func pollOrder() {
        let back = [
            send(0, "1", 1, at: 0), send(0, "1", 2, at: 1), send(0, "1", 3, at: 2),
            poll(1, "1", [(0, 1), (1, 2)], time: 1), poll(1, "1", [(1, 2), (2, 3)], time: 2),
        ]
        #expect(checkKafka(back).counts[.nonmonotonicPoll] == 1)
        let skip = [
            send(0, "1", 1, at: 0), send(0, "1", 2, at: 1), send(0, "1", 3, at: 2),
            poll(1, "1", [(0, 1)], time: 1), poll(1, "1", [(2, 3)], time: 2), poll(2, "1", [(0, 1), (1, 2), (2, 3)], time: 3),
        ]
        let report = checkKafka(skip)
        #expect(report.counts[.pollSkip] == 1)
        #expect(report.counts[.lostWrite] == nil)
        let reassigned = [
            send(0, "1", 1, at: 0), send(0, "1", 2, at: 1),
            poll(1, "1", [(0, 1), (1, 2)], time: 1),
            KafkaEvent(process: 1, outcome: .ok, invokedAt: 2, completedAt: 2.01, op: .assign(keys: ["1"])),
            poll(1, "1", [(0, 1), (1, 2)], time: 3),
        ]
        #expect(checkKafka(reassigned).valid)
    }

    @Test("an acknowledged send nobody ever read is unseen, and invalid")
    func unseen() {
        let report = checkKafka([send(0, "1", 1, at: 0)])
        #expect(!report.valid)
        #expect(report.counts[.unseenAtEnd] == 1)
    }
}
