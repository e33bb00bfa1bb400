import ArgumentParser
import Catalog
import Foundation
import Grading
import Logging
import NIOCore
import Server
import Store
import Web

/// `classroom serve`: the grading pool and the line-protocol server in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the grader and the TCP server students and scoreboards connect to.",
        discussion: """
            The first start creates the database and loads courses/. Later starts load courses/ \
            again (idempotent); if the files have problems they are reported and the server keeps \
            serving what the database holds. SIGINT or SIGTERM stops gracefully within about 10 \
            seconds: no new connections, clients are told goodbye (and closed after 2 seconds if \
            they do not go), running jobs get 5 seconds to finish and are otherwise handed back \
            to the queue uncounted.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var catalog: CatalogOptions
    @OptionGroup var grading: GradingOptions

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 7878

    @Option(help: "Concurrent grading jobs (default: the number of cores; 0: grade elsewhere with `classroom grader run`).")
    var workers: Int = GradingPool.defaultWorkers

    @Option(name: .customLong("http"), help: ArgumentHelp("Also serve the web pages (projector board, instructor pages) on this port, on the same --host (0: any free port).", valueName: "port"))
    var httpPort: Int?

    @Option(help: "Seconds a silent connection may stay open.")
    var idleTimeout: Int = 600

    @Option(help: "Connections one address may hold at once.")
    var maxConnectionsPerAddress: Int = 256

    @Option(help: "Connections in all.")
    var maxConnections: Int = 4096

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let httpPort, !(0...65535).contains(httpPort) { throw ValidationError("--http must be between 0 and 65535") }
        guard workers >= 0 else { throw ValidationError("--workers must be 0 or more") }
        guard maxConnections >= 1, maxConnectionsPerAddress >= 1 else { throw ValidationError("connection limits must be at least 1") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
    }

    func run() async throws {
        var logger = Logger(label: "classroom")
        logger.logLevel = .info
        let fresh = !database.isServer && !FileManager.default.fileExists(atPath: database.path)
        let store = try await database.open()
        do {
            let report = try await store.load(try catalog.loader.load())
            logger.info("catalog: \(LoadReportText.render(report).replacingOccurrences(of: "\n", with: "; "))")
        } catch let error as CatalogError {
            if fresh { throw error }
            logger.warning("courses/ has problems; serving what the database holds:\n\(error.description)")
        }
        let registry = try grading.registry(catalog: catalog.root)
        var configuration = ServerConfiguration(host: host, port: port)
        configuration.idleTimeout = .seconds(Int64(idleTimeout))
        configuration.maxConnectionsPerAddress = maxConnectionsPerAddress
        configuration.maxConnections = maxConnections
        let server = ClassroomServer(store: store, grader: try grading.grader(registry: registry), configuration: configuration,
                                     workers: workers, lease: grading.leaseTerms,
                                     web: httpPort.map { WebConfiguration(host: self.host, port: $0) }, logger: logger)
        let lineServer = server.lineServer
        let banner = "Classroom is serving \(store.path) on \(host):%d with \(workers) grading workers. Try: nc \(host) %d"
        let host = host
        Task {
            let bound = await lineServer.listeningPort()
            print(String(format: banner, bound, bound))
            print(ServeAddress.advice(host: host, port: bound))
            fflush(nil)  // a supervisor reading our output through a pipe needs the port now
        }
        if let web = server.web {
            Task {
                let bound = await web.listeningPort()
                print("The web pages are at http://\(host):\(bound)/ (the projector board: /courses/COURSE/board).")
                fflush(nil)
            }
        }
        do {
            try await server.group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw CLIError("port \(port) on \(host) is already in use (is another `classroom serve` running?); stop it or pass --port N")
        }
    }
}

/// What to tell the instructor about the address students should use.
enum ServeAddress {
    static func advice(host: String, port: Int) -> String {
        if ["127.0.0.1", "localhost", "::1"].contains(host) {
            return "Students on this machine connect to \(host):\(port). A class on other laptops needs --host 0.0.0.0 (and the port open in the firewall)."
        }
        guard host == "0.0.0.0" || host == "::" else { return "Students connect to \(host):\(port)." }
        let addresses: [String]
        do { addresses = try Self.networkAddresses() } catch {
            return "Students connect to this machine's address, port \(port) (its addresses could not be listed: \(error))."
        }
        guard !addresses.isEmpty else { return "Students connect to this machine's address, port \(port) (no network address found)." }
        return "Students connect to " + addresses.map { "\($0):\(port)" }.joined(separator: " or ") + "."
    }

    /// This machine's IPv4 addresses other than loopback, as students on the same network reach it.
    private static func networkAddresses() throws -> [String] {
        var addresses: [String] = []
        for device in try System.enumerateDevices() {
            guard case .v4 = device.address, let ip = device.address?.ipAddress, !ip.hasPrefix("127."), !addresses.contains(ip) else { continue }
            addresses.append(ip)
        }
        return addresses
    }
}
