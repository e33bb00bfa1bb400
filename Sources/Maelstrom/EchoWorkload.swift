import Faults
import Foundation

/// `echo`: every reply must carry back the text sent.
final class EchoWorkload: Workload {
    private var counter = 0

    func next(thread: Int, rng: inout SeededRandom) -> PlannedOperation {
        counter += 1
        let text = JSONValue.string("Please echo \(counter)")
        return PlannedOperation(f: "echo", value: text, body: ["type": "echo", "echo": text], okType: "echo_ok")
    }

    func read(reply: [String: JSONValue], to operation: PlannedOperation) throws(MalformedReply) -> JSONValue {
        guard let echo = reply["echo"] else { throw .missing("echo", in: "echo_ok") }
        return echo
    }

    func isIdempotent(_ f: String) -> Bool { true }

    func check(_ history: [ClientOperation], options: MaelstromOptions) -> WorkloadCheck {
        let wrong = history.filter { $0.outcome == .ok && $0.result != $0.value }
        let oks = history.filter { $0.outcome == .ok }.count
        var problems = wrong.prefix(3).map {
            "\($0.node) answered echo \($0.value.jsonText) with \($0.result.jsonText)"
        }
        if oks == 0 && !history.isEmpty { problems.append("no echo request was answered") }
        return WorkloadCheck(validity: wrong.isEmpty && (oks > 0 || history.isEmpty) ? .valid : .invalid,
                             problems: problems, figures: ["wrong-count": .int(wrong.count), "ok-count": .int(oks)],
                             violatesSafety: !wrong.isEmpty)
    }
}
