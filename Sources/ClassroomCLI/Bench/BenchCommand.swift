import ArgumentParser

/// `classroom bench`: benchmarks that print figures, each against a baseline measured in the
/// same run. Targets live here, not in timed tests that would flake on a busy machine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure performance and print figures (build with -c release).",
        subcommands: [GradingBenchmark.self, ServerBenchmark.self, HistoryBenchmark.self, ScoreboardBenchmark.self, ClusterBenchmark.self,
                      QueueBenchmark.self, BurstBenchmark.self, WebBenchmark.self, MaelstromBenchmark.self])
}
