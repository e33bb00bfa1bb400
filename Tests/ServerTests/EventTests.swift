import Events
import Foundation
import Testing

@Suite("Events")
struct EventTests {
    @Test("a subscriber that falls behind is cut off without stalling the others")
    func slowSubscriberIsDropped() async {
        let hub = EventHub()
        let slow = hub.subscribe(bufferSize: 4)
        let fast = hub.subscribe(bufferSize: 64)
        for index in 0..<10 { hub.publish(.shutdown(reason: "\(index)")) }
        #expect(slow.overflowed)
        #expect(!fast.overflowed)
        var received = 0
        for await _ in fast.events {
            received += 1
            if received == 10 { break }
        }
        #expect(received == 10)
        #expect(hub.subscriberCount == 1)
    }
}
