import Faults
import Foundation
import PluginKit
#if canImport(Glibc)
import Glibc
#endif

/// What one message is on the cluster's links.
enum Framing: String, CaseIterable, Sendable {
    case lines, raw, datagrams
}

/// The driver's side of every link of a cluster: one thread and one `poll` over every socket of
/// the scenario (no thread per link), a timer heap for delayed deliveries, and one read buffer
/// reused for every read. Messages are cut out per framing, given a fate by the network state
/// (latency, loss, duplication, holding back, partitions), and written on in delivery order.
///
/// Thread model: the loop thread owns every socket and all link state. Other tasks talk to it
/// only through `submit` (commands queued under `lock`, then a byte on the wake pipe) and read
/// the counters under `lock`.
final class Proxy: @unchecked Sendable {
    /// A directed link: who sends, who receives.
    struct Direction: Hashable, Sendable {
        var from: Endpoint
        var to: Endpoint
        var label: String { "\(from.linkName)->\(to.linkName)" }
    }

    enum Command: Sendable {
        /// A TCP listener whose connections go to `port` as `direction` (replies go the other way).
        case listen(fd: Int32, direction: Direction, port: Int)
        /// A datagram socket: what arrives on it from anyone but `port` goes to `port` as
        /// `direction`; what arrives from `port` goes back to whoever sent last (client sockets),
        /// or, for node views, to the peer socket named by `reverse`.
        case datagrams(fd: Int32, direction: Direction, port: Int)
        /// An accepted connection and the connecting socket to the node.
        case attach(accepted: Int32, outgoing: Int32, direction: Direction)
        case network(NetworkState)
        case stop
    }

    /// Counts the driver needs for `after_messages` triggers and the benchmark.
    struct Counters: Sendable {
        var nodeMessages = 0
        var delivered: [String: Int] = [:]
        var dropped = 0
        var duplicated = 0
        var bytes = 0
    }

    private let framing: Framing
    private let seed: SeededRandom
    /// Makes the socket towards a node for an accepted connection (an async call into the cell).
    private let connector: @Sendable (Int) async throws -> Int32
    private let lock = NSLock()
    private var commands: [Command] = []
    private var counters = Counters()
    private var stopped = false
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let finished = DispatchSemaphore(value: 0)

    // Loop-thread state.
    private var network: NetworkState
    private var links: [Direction: LinkState] = [:]
    /// Sockets written to while handling the current event, flushed once it is handled, so a
    /// read of many lines costs one `send`, not one per line.
    private var dirty: [ProxySocket] = []
    private var sockets: [Int32: ProxySocket] = [:]
    private var heap = DeliveryHeap()
    private var buffer = [UInt8](repeating: 0, count: 65536)
    private var local = Counters()
    private var sequence = 0
    /// Some socket closed since `sockets` was last swept.
    private var needsSweep = false

    init(framing: Framing, network: NetworkState, seed: UInt64, connector: @escaping @Sendable (Int) async throws -> Int32) {
        self.framing = framing
        self.network = network
        self.seed = SeededRandom(seed: seed)
        self.connector = connector
        var ends: [Int32] = [-1, -1]
        precondition(pipe(&ends) == 0, "pipe failed: \(String(cString: strerror(errno)))")
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        let thread = Thread { [self] in loop() }
        thread.name = "classroom-cluster-proxy"
        thread.stackSize = 512 << 10
        thread.start()
    }

    /// Queues a command for the loop thread.
    func submit(_ command: Command) {
        let accepted = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            commands.append(command)
            return true
        }
        if !accepted {
            // The loop is gone: the descriptors of the command are ours to close.
            switch command {
            case let .listen(fd, _, _), let .datagrams(fd, _, _): Glibc.close(fd)
            case let .attach(a, b, _): Glibc.close(a); Glibc.close(b)
            case .network, .stop: break
            }
            return
        }
        var one: UInt8 = 1
        _ = Glibc.write(wakeWrite, &one, 1)
    }

    var snapshot: Counters { lock.withLock { counters } }

    /// Stops the loop and closes every socket; returns once the thread is done.
    func stop() async {
        submit(.stop)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { [finished] in
                finished.wait()
                continuation.resume()
            }
        }
    }

    // MARK: - The loop

    private func loop() {
        var drained = [UInt8](repeating: 0, count: 256)
        var fds: [pollfd] = []
        var order: [ProxySocket] = []
        while true {
            let batch = lock.withLock { () -> [Command] in
                let taken = commands
                commands.removeAll(keepingCapacity: true)
                return taken
            }
            for command in batch {
                if case .stop = command {
                    shutdownAll()
                    lock.withLock {
                        stopped = true
                        counters = local
                    }
                    Glibc.close(wakeRead)
                    Glibc.close(wakeWrite)
                    finished.signal()
                    return
                }
                apply(command)
            }
            deliverDue()
            flushDirty()
            lock.withLock { counters = local }

            fds.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            for socket in sockets.values where !socket.closed {
                var events: Int16 = 0
                if socket.connecting {
                    events = Int16(POLLOUT)
                } else {
                    if !socket.readClosed && !(socket.peer.map { $0.outgoing.count - $0.outgoingOffset > Self.backlogLimit } ?? false) {
                        events |= Int16(POLLIN)
                    }
                    if socket.outgoing.count > socket.outgoingOffset { events |= Int16(POLLOUT) }
                }
                fds.append(pollfd(fd: socket.fd, events: events, revents: 0))
                order.append(socket)
            }
            var timeout: Int32 = 60_000
            if let next = heap.peek?.time {
                // Rounded up to the millisecond `poll` counts in; a due delivery never waits on a timer.
                timeout = Int32(min(60_000, (max(0, next - monotonicSeconds()) * 1000).rounded(.up)))
            }
            let rc = poll(&fds, nfds_t(fds.count), timeout)
            if rc < 0 && errno != EINTR { usleep(1000); continue }
            if rc <= 0 { continue }
            if fds[0].revents != 0 { _ = Glibc.read(wakeRead, &drained, drained.count) }
            for (index, socket) in order.enumerated() {
                let revents = fds[index + 1].revents
                if revents == 0 || socket.closed { continue }
                handle(socket, revents: revents)
                flushDirty()
            }
            if needsSweep {
                sockets = sockets.filter { !$0.value.closed }
                needsSweep = false
            }
        }
    }

    /// Most bytes queued towards one socket before the proxy stops reading its source.
    private static let backlogLimit = 1 << 20

    private func apply(_ command: Command) {
        switch command {
        case let .listen(fd, direction, port):
            sockets[fd] = ProxySocket(fd: fd, role: .listener(direction, port: port))
        case let .datagrams(fd, direction, port):
            sockets[fd] = ProxySocket(fd: fd, role: .datagram(direction, port: port))
        case let .attach(accepted, outgoing, direction):
            let back = Direction(from: direction.to, to: direction.from)
            let a = ProxySocket(fd: accepted, role: .stream(inbound: direction), link: link(direction))
            let b = ProxySocket(fd: outgoing, role: .stream(inbound: back), link: link(back))
            b.connecting = true
            a.peer = b
            b.peer = a
            sockets[accepted] = a
            sockets[outgoing] = b
        case let .network(state):
            network = state
            if framing == .raw { resetCutConnections() }
        case .stop:
            break
        }
    }

    /// Raw byte streams have no messages to lose: a partition resets the connections it cuts.
    private func resetCutConnections() {
        for socket in sockets.values {
            guard case let .stream(direction) = socket.role, !socket.closed,
                  network.behaviour(from: direction.from, to: direction.to) == nil else { continue }
            closePair(socket)
        }
    }

    private func handle(_ socket: ProxySocket, revents: Int16) {
        switch socket.role {
        case let .listener(direction, port):
            acceptAll(socket, direction: direction, port: port)
        case let .datagram(direction, port):
            if revents & Int16(POLLIN) != 0 { receiveDatagrams(socket, direction: direction, port: port) }
        case let .stream(direction):
            if socket.connecting {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if error != 0 || revents & Int16(POLLERR | POLLHUP) != 0 {
                    // The node does not listen (killed, not restarted yet): the client's
                    // connection is refused, as it would be without the proxy.
                    closePair(socket)
                    return
                }
                socket.connecting = false
                flush(socket)
                return
            }
            if revents & Int16(POLLOUT) != 0 { flush(socket) }
            if socket.closed { return }
            if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { read(socket, direction: direction) }
        }
    }

    private func acceptAll(_ listener: ProxySocket, direction: Direction, port: Int) {
        while true {
            let fd = Glibc.accept(listener.fd, nil, nil)
            if fd < 0 { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            if framing == .raw {
                // Per connection: a cut link or a lost "message" refuses the connection.
                let behaviour = network.behaviour(from: direction.from, to: direction.to)
                let state = link(direction)
                let fate = behaviour?.fate(&state.random)
                if behaviour == nil || fate?.isDropped == true {
                    Glibc.close(fd)
                    continue
                }
            }
            let connector = self.connector
            Task { [weak self] in
                do {
                    let outgoing = try await connector(port)
                    if let self { self.submit(.attach(accepted: fd, outgoing: outgoing, direction: direction)) } else { Glibc.close(outgoing); Glibc.close(fd) }
                } catch {
                    Glibc.close(fd)
                }
            }
        }
    }

    private func read(_ socket: ProxySocket, direction: Direction) {
        // Already at end of file and polled again: the other side hung up completely (poll
        // reports that unasked); nothing more can pass either way.
        if socket.readClosed {
            closePair(socket)
            return
        }
        let state = socket.link ?? link(direction)
        let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count > 0 {
            local.bytes += count
            switch framing {
            case .raw:
                forward(buffer[0..<count], on: direction, state: state, to: socket.peer)
            case .lines, .datagrams:
                var start = 0
                // A perfect link with nothing waiting: every whole line goes on at once, in one
                // piece (each still counted as a message).
                if socket.partial.isEmpty, state.pending == 0, let peer = socket.peer,
                   network.behaviour(from: direction.from, to: direction.to)?.isPerfect == true,
                   let last = buffer[0..<count].lastIndex(of: 10) {
                    let lines = buffer[0...last].reduce(0) { $1 == 10 ? $0 + 1 : $0 }
                    for _ in 0..<lines { countMessage(direction) }
                    deliver(.stream(peer), buffer[0...last])
                    start = last + 1
                }
                // Whole lines go straight from the shared buffer; only a tail waits in `partial`.
                while let newline = buffer[start..<count].firstIndex(of: 10) {
                    if socket.partial.isEmpty {
                        forward(buffer[start...newline], on: direction, state: state, to: socket.peer)
                    } else {
                        socket.partial += buffer[start...newline]
                        forward(socket.partial[...], on: direction, state: state, to: socket.peer)
                        socket.partial.removeAll(keepingCapacity: true)
                    }
                    start = newline + 1
                }
                if start < count {
                    socket.partial += buffer[start..<count]
                    if socket.partial.count > Self.backlogLimit {
                        forward(socket.partial[...], on: direction, state: state, to: socket.peer)
                        socket.partial.removeAll(keepingCapacity: true)
                    }
                }
            }
            return
        }
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
        if count < 0 {
            closePair(socket)
            return
        }
        // End of file: what was left unfinished goes as it is, then the peer's sending side is
        // shut once everything scheduled before has been delivered.
        socket.readClosed = true
        if !socket.partial.isEmpty {
            forward(socket.partial[...], on: direction, state: state, to: socket.peer)
            socket.partial.removeAll()
        }
        guard let peer = socket.peer else { return }
        let at = max(monotonicSeconds(), state.lastDelivery)
        schedule(Delivery(time: at, sequence: nextSequence(), target: .shutdown(peer), bytes: [], link: nil))
        if peer.readClosed && peer.writeClosed { closePair(socket) }
    }

    /// The state of one direction, made on first use with its own stream of random numbers.
    private func link(_ direction: Direction) -> LinkState {
        if let state = links[direction] { return state }
        let state = LinkState(direction: direction, random: seed.derived("link \(direction.label)"))
        links[direction] = state
        return state
    }

    private func nextSequence() -> Int {
        sequence += 1
        return sequence
    }

    /// Gives a message its fate and delivers or schedules each copy.
    private func forward(_ message: ArraySlice<UInt8>, on direction: Direction, state: LinkState, to target: ProxySocket?,
                         datagram: (fd: Int32, address: sockaddr_in)? = nil) {
        let destination: Delivery.Target
        if let target { destination = .stream(target) } else if let datagram { destination = .datagram(fd: datagram.fd, address: datagram.address) } else { return }
        guard let behaviour = network.behaviour(from: direction.from, to: direction.to) else {
            local.dropped += 1
            return
        }
        let now = monotonicSeconds()
        if framing == .raw || behaviour.isPerfect {
            // In order, as soon as what came before is out.
            let delay = framing == .raw && !behaviour.isPerfect ? behaviour.latency.sample(&state.random) : 0
            let at = max(now + delay, state.lastDelivery)
            countMessage(direction)
            if at <= now && state.pending == 0 {
                deliver(destination, message)
            } else {
                state.lastDelivery = at
                schedule(Delivery(time: at, sequence: nextSequence(), target: destination, bytes: Array(message), link: state))
            }
            return
        }
        let fate = behaviour.fate(&state.random)
        if fate.isDropped {
            local.dropped += 1
            return
        }
        if fate.delays.count > 1 { local.duplicated += 1 }
        let bytes = Array(message)
        for delay in fate.delays {
            var at = now + delay
            if !fate.heldBack {
                at = max(at, state.lastDelivery)
                state.lastDelivery = at
            }
            countMessage(direction)
            schedule(Delivery(time: at, sequence: nextSequence(), target: destination, bytes: bytes, link: state))
        }
    }

    private func countMessage(_ direction: Direction) {
        guard case .node = direction.from, case let .node(to) = direction.to else { return }
        local.nodeMessages += 1
        local.delivered[to, default: 0] += 1
    }

    private func schedule(_ delivery: Delivery) {
        delivery.link?.pending += 1
        heap.push(delivery)
    }

    private func deliverDue() {
        let now = monotonicSeconds()
        while let next = heap.peek, next.time <= now {
            let delivery = heap.pop()
            delivery.link?.pending -= 1
            switch delivery.target {
            case let .shutdown(socket):
                if socket.closed { continue }
                socket.shutdownPending = true
                flush(socket)
            default:
                deliver(delivery.target, delivery.bytes[...])
            }
        }
    }

    private func deliver(_ target: Delivery.Target, _ bytes: ArraySlice<UInt8>) {
        switch target {
        case let .stream(socket):
            guard !socket.closed, !socket.writeClosed else { return }
            socket.outgoing += bytes
            if !socket.isDirty && !socket.connecting {
                socket.isDirty = true
                dirty.append(socket)
            }
        case let .datagram(fd, address):
            var target = address
            _ = withUnsafePointer(to: &target) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                    bytes.withUnsafeBytes { Glibc.sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), sockaddrPointer, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        case .shutdown:
            break
        }
    }

    private func flushDirty() {
        while let socket = dirty.popLast() {
            socket.isDirty = false
            if !socket.closed { flush(socket) }
        }
    }

    private func flush(_ socket: ProxySocket) {
        while socket.outgoingOffset < socket.outgoing.count {
            let sent = socket.outgoing[socket.outgoingOffset...].withUnsafeBytes {
                Glibc.send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if sent > 0 { socket.outgoingOffset += sent; continue }
            if sent < 0 && (errno == EAGAIN || errno == EINTR) { return }
            closePair(socket)
            return
        }
        socket.outgoing.removeAll(keepingCapacity: true)
        socket.outgoingOffset = 0
        if socket.shutdownPending && !socket.writeClosed {
            socket.writeClosed = true
            _ = shutdown(socket.fd, Int32(SHUT_WR))
            if socket.readClosed, let peer = socket.peer, peer.writeClosed || peer.readClosed { closePair(socket) }
        }
    }

    private func receiveDatagrams(_ socket: ProxySocket, direction: Direction, port: Int) {
        while true {
            var sender = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = withUnsafeMutablePointer(to: &sender) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    buffer.withUnsafeMutableBytes { recvfrom(socket.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), address, &length) }
                }
            }
            if count < 0 { return }
            local.bytes += count
            let senderPort = Int(UInt16(bigEndian: sender.sin_port))
            if case .client = direction.from {
                if senderPort == port {
                    // The node answers the client that last wrote through this socket.
                    guard let client = socket.lastSender else { continue }
                    let back = Direction(from: direction.to, to: direction.from)
                    forward(buffer[0..<count], on: back, state: link(back), to: nil, datagram: (fd: socket.fd, address: client))
                } else {
                    socket.lastSender = sender
                    forward(buffer[0..<count], on: direction, state: link(direction), to: nil, datagram: (fd: socket.fd, address: cellLoopbackAddress(port: port)))
                }
                continue
            }
            // On the socket that is "b as a sees it", everything comes from a and goes to b, sent
            // from the socket that is "a as b sees it", so b's answer comes back the right way.
            guard let reverse = reverseSocket[direction] else { continue }
            forward(buffer[0..<count], on: direction, state: link(direction), to: nil, datagram: (fd: reverse, address: cellLoopbackAddress(port: port)))
        }
    }

    /// For datagram node views: the socket of the opposite direction, by direction.
    private var reverseSocket: [Direction: Int32] {
        if let cached = reverseCache, cached.count == sockets.count { return cached.map }
        var map: [Direction: Int32] = [:]
        for socket in sockets.values {
            if case let .datagram(direction, _) = socket.role { map[Direction(from: direction.to, to: direction.from)] = socket.fd }
        }
        reverseCache = (sockets.count, map)
        return map
    }
    private var reverseCache: (count: Int, map: [Direction: Int32])?

    private func closePair(_ socket: ProxySocket) {
        for end in [socket, socket.peer].compactMap({ $0 }) where !end.closed {
            end.closed = true
            Glibc.close(end.fd)
        }
        needsSweep = true
        socket.peer?.peer = nil
        socket.peer = nil
    }

    private func shutdownAll() {
        for socket in sockets.values where !socket.closed {
            socket.closed = true
            Glibc.close(socket.fd)
        }
        sockets = [:]
    }
}

/// One descriptor the loop watches.
final class ProxySocket {
    enum Role {
        case listener(Proxy.Direction, port: Int)
        case datagram(Proxy.Direction, port: Int)
        /// One end of a proxied TCP connection; `inbound` is what arrives on it.
        case stream(inbound: Proxy.Direction)
    }
    let fd: Int32
    let role: Role
    /// The other end of a proxied connection.
    var peer: ProxySocket?
    /// Still waiting for a non-blocking connect to finish.
    var connecting = false
    /// Bytes of an unfinished line (framing `lines`).
    var partial: [UInt8] = []
    /// Bytes waiting for the socket to take them.
    var outgoing: [UInt8] = []
    var outgoingOffset = 0
    /// Shut the sending side once `outgoing` is written.
    var shutdownPending = false
    var readClosed = false
    var writeClosed = false
    var closed = false
    /// The last client that sent on a client-view datagram socket.
    var lastSender: sockaddr_in?
    /// The state of the direction whose messages arrive on this socket (streams).
    let link: LinkState?
    /// Already in the proxy's list of sockets to flush.
    var isDirty = false

    init(fd: Int32, role: Role, link: LinkState? = nil) {
        self.fd = fd
        self.role = role
        self.link = link
    }
}


/// One direction of a link as the proxy keeps it: its random stream, when its last message is
/// due (so messages keep their order), and how many of its deliveries wait in the heap.
final class LinkState {
    let direction: Proxy.Direction
    var random: SeededRandom
    var lastDelivery = 0.0
    /// A message goes straight out only when none of this direction's is still waiting.
    var pending = 0

    init(direction: Proxy.Direction, random: SeededRandom) {
        self.direction = direction
        self.random = random
    }
}

/// A message (or a shutdown) due at a time.
struct Delivery {
    enum Target {
        case stream(ProxySocket)
        case datagram(fd: Int32, address: sockaddr_in)
        case shutdown(ProxySocket)
    }
    var time: Double
    var sequence: Int
    var target: Target
    var bytes: [UInt8]
    /// The direction whose order this delivery keeps (nil for shutdowns).
    var link: LinkState?
}

/// Deliveries by time (then by the order they were scheduled): a binary min-heap.
struct DeliveryHeap {
    private var items: [Delivery] = []

    var peek: Delivery? { items.first }

    private func less(_ a: Int, _ b: Int) -> Bool {
        (items[a].time, items[a].sequence) < (items[b].time, items[b].sequence)
    }

    mutating func push(_ delivery: Delivery) {
        items.append(delivery)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Delivery {
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && less(left, smallest) { smallest = left }
            if right < items.count && less(right, smallest) { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

extension Endpoint {
    /// The endpoint's name in link labels ("n0", "client").
    var linkName: String {
        switch self {
        case let .node(id): return id
        case .client: return "client"
        }
    }
}
