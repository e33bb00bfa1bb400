import ArgumentParser
import Foundation
import Grading
import Store

/// The name a grading process goes by in the store: its workers are `<name>-w<n>`, as
/// ``Grading/GradingPool`` names them.
enum GradingMachineName {
    static var current: String { "\(ProcessInfo.processInfo.hostName)-\(getpid())" }
}

/// Says a grading process is alive, every `interval` seconds until cancelled, so `classroom
/// grader status` lists it (idle or not) with its last heartbeat.
enum GradingHeartbeat {
    static func run(store: ClassroomStore, workers: Int, interval: Double) async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await store.heartbeat(machine: GradingMachineName.current, workers: workers)
                failing = false
            } catch {
                // Grading goes on; the lease renewals say the same thing if the database is gone.
                if !failing { FileHandle.standardError.write(Data("heartbeat not recorded: \(error)\n".utf8)) }
                failing = true
            }
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
        }
    }
}

/// `classroom grader status`: the grading machines sharing the database.
struct GraderStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List the grading machines, their last heartbeat and the jobs each one is grading.",
        discussion: """
            A machine that stopped heartbeating for longer than the lease (--lease) is shown as \
            gone; its jobs are graded again by another machine once their leases expire.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Seconds a lease lasts without renewal (as given to `grader run`).")
    var lease: Double = LeaseTerms().duration

    func run() async throws {
        let store = try await database.openExisting()
        let now = Date()
        let machines = try await store.gradingMachines(now: now)
        let queued = try await store.pendingJobCount()
        await store.close()
        guard !machines.isEmpty else {
            print("No grading machine has reported yet (\(queued) job\(queued == 1 ? "" : "s") queued or running).")
            return
        }
        var table = TextTable("MACHINE", "WORKERS", "LAST HEARTBEAT", "STATE", "RUNNING JOBS")
        for machine in machines {
            let age = now.timeIntervalSince(machine.lastHeartbeat)
            let state = age <= lease ? "alive" : "gone"
            table.add(machine.name, String(machine.workers), "\(TimeText.show(machine.lastHeartbeat)) (\(Int(age.rounded()))s ago)", state,
                      machine.runningJobs.isEmpty ? "-" : machine.runningJobs.map(String.init).joined(separator: " "))
        }
        print(table.render())
        print("\(queued) job\(queued == 1 ? "" : "s") queued or running.")
    }
}
