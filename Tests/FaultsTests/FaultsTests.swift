import Faults
import Testing

@Suite struct SeededRandomTests {
    @Test func theSameSeedGivesTheSameNumbers() {
        var a = SeededRandom(seed: 41), b = SeededRandom(seed: 41), c = SeededRandom(seed: 42)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test func derivedStreamsDependOnTheLabelNotOnUse() {
        var used = SeededRandom(seed: 7)
        _ = (0..<10).map { _ in used.next() }
        var x = used.derived("link n0->n1"), y = SeededRandom(seed: 7).derived("link n0->n1"), z = SeededRandom(seed: 7).derived("link n1->n0")
        let xs = (0..<20).map { _ in x.next() }
        #expect(xs == (0..<20).map { _ in y.next() })
        #expect(xs != (0..<20).map { _ in z.next() })
    }

    @Test func unitIsInTheHalfOpenInterval() {
        var random = SeededRandom(seed: 1)
        let values = (0..<10_000).map { _ in random.unit() }
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(mean - 0.5) < 0.02)
    }
}

@Suite struct LinkTests {
    @Test func latenciesFollowTheirDistribution() {
        var random = SeededRandom(seed: 3)
        #expect(Latency.constant(0.002).sample(&random) == 0.002)
        let uniform = (0..<1000).map { _ in Latency.uniform(min: 0.001, max: 0.005).sample(&random) }
        #expect(uniform.allSatisfy { $0 >= 0.001 && $0 <= 0.005 })
        let exponential = (0..<20_000).map { _ in Latency.exponential(mean: 0.01).sample(&random) }
        let mean = exponential.reduce(0, +) / Double(exponential.count)
        #expect(abs(mean - 0.01) < 0.001)
        #expect(exponential.allSatisfy { $0 >= 0 })
    }

    @Test func dropDuplicateAndReorderHappenAtTheirRates() {
        var random = SeededRandom(seed: 5)
        let behaviour = LinkBehaviour(drop: 0.2, duplicate: 0.1, reorder: 0.3)
        let fates = (0..<20_000).map { _ in behaviour.fate(&random) }
        let dropped = Double(fates.filter(\.isDropped).count) / 20_000
        let doubled = Double(fates.filter { $0.delays.count == 2 }.count) / Double(fates.filter { !$0.isDropped }.count)
        let held = Double(fates.filter { $0.heldBack && !$0.isDropped }.count) / Double(fates.filter { !$0.isDropped }.count)
        #expect(abs(dropped - 0.2) < 0.02)
        #expect(abs(doubled - 0.1) < 0.02)
        #expect(abs(held - 0.3) < 0.02)
        #expect(LinkBehaviour.perfect.fate(&random) == MessageFate(delays: [0], heldBack: false))
    }

    @Test func changingOneProbabilityKeepsTheOtherDecisions() {
        var a = SeededRandom(seed: 9), b = SeededRandom(seed: 9)
        let lossy = LinkBehaviour(latency: .uniform(min: 0, max: 0.01), drop: 0.5)
        let reliable = LinkBehaviour(latency: .uniform(min: 0, max: 0.01), drop: 0)
        for _ in 0..<100 {
            let x = lossy.fate(&a), y = reliable.fate(&b)
            if !x.isDropped { #expect(x == y) }
        }
    }
}

@Suite struct PartitionTests {
    let five = ["n0", "n1", "n2", "n3", "n4"]

    @Test func isolatingANodeCutsItFromEveryOther() {
        var random = SeededRandom(seed: 1)
        let partition = PartitionShape.isolate("n2").resolve(nodes: ["n0", "n1", "n2"], random: &random)
        #expect(!partition.connects("n2", "n0") && !partition.connects("n1", "n2"))
        #expect(partition.connects("n0", "n1"))
        #expect(partition.description == "n2 cut off from n0 and n1")
    }

    @Test func majorityAndHalvesSplitBySize() {
        var random = SeededRandom(seed: 11)
        let majority = PartitionShape.majority.resolve(nodes: five, random: &random)
        #expect(majority.groups?.map(\.count).sorted() == [2, 3])
        let halves = PartitionShape.halves.resolve(nodes: five, random: &random)
        #expect(halves.groups?.map(\.count).sorted() == [2, 3])
        let groups = PartitionShape.groups([["n0", "n1"], ["n2", "n3"]]).resolve(nodes: five, random: &random)
        #expect(groups.connects("n0", "n1") && !groups.connects("n1", "n2") && !groups.connects("n4", "n0"))
    }

    @Test func aMajoritiesRingGivesEveryNodeADifferentMajority() {
        for count in 4...7 {
            let nodes = (0..<count).map { "n\($0)" }
            var random = SeededRandom(seed: UInt64(count))
            let ring = PartitionShape.ring.resolve(nodes: nodes, random: &random)
            let views = nodes.map { node in Set(nodes.filter { ring.connects(node, $0) }) }
            #expect(views.allSatisfy { $0.count >= count / 2 + 1 }, "every node sees a majority of \(count)")
            #expect(Set(views).count == count, "no two nodes see the same majority of \(count)")
            #expect(ring.groups == nil)
        }
    }

    @Test func randomShapesAreTheSeedsChoice() {
        var a = SeededRandom(seed: 41), b = SeededRandom(seed: 41)
        #expect(PartitionShape.majority.resolve(nodes: five, random: &a) == PartitionShape.majority.resolve(nodes: five, random: &b))
    }
}

@Suite struct ScheduleTests {
    let nodes = ["n0", "n1", "n2"]

    @Test func writtenEventsResolveInOrder() {
        var random = SeededRandom(seed: 2)
        let schedule = FaultSchedule(resolving: [
            (.at(1), .kill(.random)), (.at(2), .restart(.random)), (.afterOperations(10), .partition(.isolate("n0"))), (.at(3), .heal),
        ], nodes: nodes, random: &random)
        guard case let .kill(killed) = schedule.entries[0].fault else { Issue.record("not a kill"); return }
        #expect(schedule.entries[1].fault == .restart(killed))
        #expect(schedule.timed.map(\.time) == [1, 2, 3])
        #expect(schedule.summary.hasSuffix("after 10 operations n0 cut off from n1 and n2"))
    }

    @Test func generatedFaultsAreRepairedWithinTheirWindow() {
        var a = SeededRandom(seed: 41), b = SeededRandom(seed: 41)
        let schedule = FaultSchedule.generate(count: 4, kinds: FaultKind.allCases, from: 1, until: 9, length: 1.5, nodes: nodes, random: &a)
        #expect(schedule == FaultSchedule.generate(count: 4, kinds: FaultKind.allCases, from: 1, until: 9, length: 1.5, nodes: nodes, random: &b))
        #expect(schedule.entries.count == 8)
        #expect(schedule.timed.allSatisfy { $0.time >= 1 && $0.time <= 9 })
        for pair in stride(from: 0, to: 8, by: 2) {
            let fault = schedule.entries[pair].fault, repair = schedule.entries[pair + 1].fault
            switch (fault, repair) {
            case (.partition, .heal): break
            case let (.kill(x), .restart(y)), let (.pause(x), .resume(y)): #expect(x == y)
            default: Issue.record("\(fault) is not repaired by \(repair)")
            }
        }
    }

    @Test func theTimelineTellsWhatHappenedWhen() {
        var timeline = FaultTimeline()
        let cut = Partition(groups: [["n2"], ["n0", "n1"]], nodes: nodes)
        timeline.record(.partition(cut), at: 3.2)
        timeline.record(.heal, at: 6)
        #expect(timeline.summary() == "3.2s n2 cut off from n0 and n1, 6.0s the network healed")
        #expect(timeline.partition(at: 4)?.since == 3.2)
        #expect(timeline.partition(at: 7) == nil)
        #expect(timeline.lastHeal() == 6)
    }

    @Test func theNetworkStateCutsOnlyNodeLinks() {
        var state = NetworkState(nodes: nodes, nodeLinks: LinkBehaviour(drop: 0.1))
        state.apply(.partition(Partition(groups: [["n0"], ["n1", "n2"]], nodes: nodes)))
        #expect(state.behaviour(from: .node("n0"), to: .node("n1")) == nil)
        #expect(state.behaviour(from: .node("n1"), to: .node("n2"))?.drop == 0.1)
        #expect(state.behaviour(from: .client, to: .node("n0")) == .perfect)
        state.apply(.heal)
        #expect(state.behaviour(from: .node("n0"), to: .node("n1")) != nil)
    }
}
