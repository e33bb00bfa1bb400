// swift-tools-version:6.2
import PackageDescription

// Zero warnings is a rule, not a hope: any warning in our own code fails the build.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

// Data flows one way: Catalog → Store → Grading → Events → Server.
// Each module below has one reason to change; the CLI only wires them together.
let package = Package(
    name: "Classroom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "classroom", targets: ["classroom"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // Parses and validates courses/ and exercises/; knows nothing of databases.
        .target(name: "Catalog", dependencies: [
            "Yams",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
        // The SQLite store behind a small API (a PostgreSQL backend can replace it later).
        .target(name: "Store", dependencies: [
            "Catalog",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["README.md"], swiftSettings: strict),
        // fork/unshare/setrlimit/exec with no Swift runtime between fork and exec.
        .target(name: "CSandbox", cSettings: [.treatAllWarnings(as: .error)]),
        // Confinement policy and supervision of one run.
        .target(name: "Sandbox", dependencies: ["CSandbox"], exclude: ["README.md"], swiftSettings: strict),
        // The API plugins are written against: the scenario runtime inside a cell.
        .target(name: "PluginKit", dependencies: ["Catalog", "Sandbox"], swiftSettings: strict),
        // Built-in scenario plugins, each a module under grader/.
        .target(name: "TCPPlugin", dependencies: ["PluginKit", "Catalog"], path: "grader/tcp", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UDPPlugin", dependencies: ["PluginKit", "Catalog"], path: "grader/udp", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "ConcurrencyPlugin", dependencies: ["PluginKit", "Catalog"], path: "grader/concurrency", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "ProcessPlugin", dependencies: ["PluginKit", "Catalog"], path: "grader/process", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "PythonTestsPlugin", dependencies: ["PluginKit", "Catalog"], path: "grader/python-tests", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "ClusterPlugin", dependencies: ["PluginKit", "Catalog", "TCPPlugin", "Faults", "History"], path: "grader/cluster", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "HTTPPlugin", dependencies: ["PluginKit", "Catalog", "Sandbox"], path: "grader/http", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "MaelstromPlugin", dependencies: ["PluginKit", "Catalog", "Maelstrom"], path: "grader/maelstrom", exclude: ["README.md"], swiftSettings: strict),
        // Grading: plugin registry, the grader, the job pool and scoring.
        .target(name: "Grading", dependencies: [
            "Catalog", "Store", "Sandbox", "PluginKit",
            "TCPPlugin", "UDPPlugin", "ConcurrencyPlugin", "ProcessPlugin", "PythonTestsPlugin", "ClusterPlugin",
            "HTTPPlugin", "MaelstromPlugin",
        ], swiftSettings: strict),
        // Live events: grading results and the store's event log, fanned out to subscribers.
        .target(name: "Events", dependencies: ["Store", "Grading"], swiftSettings: strict),
        // The line-protocol TCP server (SwiftNIO), run with the grading pool in a ServiceGroup.
        .target(name: "Server", dependencies: [
            "Catalog", "Store", "Grading", "Events", "Web",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], exclude: ["PROTOCOL.md"], swiftSettings: strict),
        // The projector board and the instructor's pages over HTTP (Hummingbird), beside the line server.
        .target(name: "Web", dependencies: [
            "Catalog", "Store", "Events",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], exclude: ["README.md"], swiftSettings: strict),
        // The student's side of the protocol.
        .target(name: "Client", swiftSettings: strict),
        // Histories of concurrent operations and the linearizability checker (Foundation only).
        .target(name: "History", exclude: ["README.md"], swiftSettings: strict),
        // Checkers of transactional (Elle-style dependency cycles) and replicated-log histories.
        .target(name: "Consistency", exclude: ["README.md"], swiftSettings: strict),
        // A seeded, deterministic model of a broken network: latencies, losses, partitions, fault schedules (Foundation only).
        .target(name: "Faults", exclude: ["README.md"], swiftSettings: strict),
        // Maelstrom's workloads run unchanged: N confined nodes, the network, clients, services, checkers.
        .target(name: "CMaelstrom", cSettings: [.treatAllWarnings(as: .error)]),
        .target(name: "Maelstrom", dependencies: ["CMaelstrom", "Sandbox", "History", "Consistency", "Faults"], exclude: ["README.md"], swiftSettings: strict),
        // Commands for instructors and students.
        .target(name: "ClassroomCLI", dependencies: [
            "Catalog", "Store", "Sandbox", "Grading", "Events", "Server", "Web", "Client", "History", "ClusterPlugin", "Maelstrom",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),
        .executableTarget(name: "classroom", dependencies: ["ClassroomCLI"], swiftSettings: strict),

        .target(name: "TestSupport", dependencies: ["Catalog"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Catalog", "TestSupport", "Client", "classroom",
                                                       .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strict),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CLITests", dependencies: ["classroom", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ProcessPluginTests", dependencies: ["Grading", "PluginKit", "Catalog", "TestSupport", "ProcessPlugin", "PythonTestsPlugin"], swiftSettings: strict),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Client", "Events", "Grading", "Store", "Catalog", "TestSupport", "classroom",
                                                        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                                        .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "GradingTests", dependencies: ["Grading", "Store", "Catalog", "TestSupport", "classroom"], swiftSettings: strict),
        .testTarget(name: "WebTests", dependencies: ["Web", "Server", "Grading", "Store", "Catalog", "TestSupport",
                                                     .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "ConsistencyTests", dependencies: ["Consistency"], swiftSettings: strict),
        .testTarget(name: "HistoryTests", dependencies: ["History", "TestSupport", "classroom"], exclude: ["Data"], swiftSettings: strict),
        .testTarget(name: "FaultsTests", dependencies: ["Faults"], swiftSettings: strict),
        .testTarget(name: "ClusterPluginTests", dependencies: ["Grading", "PluginKit", "Catalog", "TestSupport", "ClusterPlugin", "Faults", "History"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "HTTPPluginTests", dependencies: ["Grading", "PluginKit", "Catalog", "TestSupport", "HTTPPlugin"], swiftSettings: strict),
        .testTarget(name: "MaelstromTests", dependencies: ["Maelstrom", "TestSupport", "classroom"], exclude: ["Nodes"], swiftSettings: strict),
        .testTarget(name: "NetworkPluginTests", dependencies: ["Grading", "PluginKit", "Catalog", "TestSupport", "TCPPlugin", "UDPPlugin", "ConcurrencyPlugin"], swiftSettings: strict),
    ]
)
