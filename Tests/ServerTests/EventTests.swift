import Events
import Foundation
import Testing

@Suite("Events")
struct EventTests {
    @Test("a subscriber whose queue passes its byte budget is cut off without stalling the others")
    func slowSubscriberIsDropped() async {
        let hub = EventHub()
        let event = ClassroomEvent.shutdown(reason: "0")
        let slow = hub.subscribe(maxQueuedBytes: 4 * event.estimatedBytes)
        let fast = hub.subscribe(maxQueuedBytes: 64 * event.estimatedBytes)
        for _ in 0..<10 { hub.publish(event) }
        #expect(slow.overflowed)
        #expect(!fast.overflowed)
        var received = 0
        for await _ in fast.events {
            received += 1
            if received == 10 { break }
        }
        #expect(received == 10)
        #expect(fast.queuedBytes == 0, "taking an event frees its bytes")
        #expect(hub.subscriberCount == 1)
    }

    @Test("a watcher receives its course's results, not other students' progress")
    func eventsFollowInterest() async {
        let hub = EventHub()
        let watcher = hub.subscribe(interest: .init(course: "c"))
        let alice = hub.subscribe(interest: .init(student: "alice"))
        hub.publish(.progress(submission: 1, student: "alice", scenario: "s", outcome: "passed", points: 1, max: 1))
        hub.publish(.result(course: "other", student: "bob", exercise: "e", submission: 2, score: 1, max: 1, standing: nil))
        hub.publish(.result(course: "c", student: "alice", exercise: "e", submission: 1, score: 1, max: 1, standing: nil))
        hub.publish(.shutdown(reason: "bye"))
        var forWatcher: [ClassroomEvent] = []
        for await event in watcher.events {
            forWatcher.append(event)
            if case .shutdown = event { break }
        }
        var forAlice: [ClassroomEvent] = []
        for await event in alice.events {
            forAlice.append(event)
            if case .shutdown = event { break }
        }
        #expect(forWatcher.count == 2)
        #expect(forWatcher.first == .result(course: "c", student: "alice", exercise: "e", submission: 1, score: 1, max: 1, standing: nil))
        #expect(forAlice.count == 3)
    }
}
