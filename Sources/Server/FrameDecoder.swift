import NIOCore

/// What arrives on a connection, once framed.
public enum Frame: Sendable, Equatable {
    /// One request line, without its `\n` or `\r\n`.
    case line(String)
    /// A line longer than the limit; it was discarded up to its end.
    case lineTooLong(limit: Int)
    /// A line that is not valid UTF-8.
    case invalidUTF8
    /// `SUBMIT <exercise> <bytes>` followed by exactly that many bytes, held against the
    /// server's payload budget until the frame is dropped.
    case submission(exercise: String, payload: [UInt8], reservation: PayloadReservation?)
    /// A `SUBMIT` before `HELLO`: refused, its bytes skipped as they arrive, never buffered
    /// (or, if too many to skip, the connection must close).
    case submissionBeforeLogin(declared: Int)
    /// A `SUBMIT` the payload budget has no room for: refused, its bytes skipped.
    case submissionBusy(declared: Int)
    /// A `SUBMIT` announcing more bytes than accepted; the bytes were skipped if they were few
    /// enough to skip, otherwise the connection must close.
    case submissionTooLarge(declared: Int, limit: Int, mustClose: Bool)
}

/// Splits the byte stream into request lines, and after a `SUBMIT <exercise> <bytes>` line
/// into exactly that many payload bytes, so a file can never be mistaken for commands.
///
/// Framing lives here, below the protocol logic, so the session only ever sees whole frames
/// and a hostile client cannot make the server buffer more than the limits allow: a payload
/// is kept only for a logged-in connection (the `gate`) and only within the server-wide
/// `budget`; anything else is skipped as it arrives.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Frame

    public let maxLineBytes: Int
    public let maxPayloadBytes: Int
    /// Open once the connection's HELLO succeeded.
    public let gate: LoginGate
    public let budget: PayloadBudget
    /// Payloads up to this size that exceed `maxPayloadBytes` are read and thrown away so the
    /// connection stays usable; anything bigger closes it.
    public let maxSkippableBytes: Int

    private enum Mode {
        case lines
        case discardingLine
        case payload(exercise: String, remaining: Int, reservation: PayloadReservation)
        case skipping(remaining: Int)
    }

    private var mode = Mode.lines
    /// The payload received so far, copied out of the read buffer as it comes so memory is
    /// exactly what was reserved (outside `mode`, so appending never copies it).
    private var payload: [UInt8] = []

    public init(maxLineBytes: Int, maxPayloadBytes: Int, maxSkippableBytes: Int = 16 << 20,
                gate: LoginGate, budget: PayloadBudget) {
        self.maxLineBytes = maxLineBytes
        self.maxPayloadBytes = maxPayloadBytes
        self.maxSkippableBytes = max(maxSkippableBytes, maxPayloadBytes)
        self.gate = gate
        self.budget = budget
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch mode {
        case let .payload(exercise, remaining, reservation):
            let taken = min(remaining, buffer.readableBytes)
            payload += buffer.readBytes(length: taken) ?? []
            guard taken == remaining else {
                mode = .payload(exercise: exercise, remaining: remaining - taken, reservation: reservation)
                return .needMoreData
            }
            mode = .lines
            let bytes = payload
            payload = []
            context.fireChannelRead(wrapInboundOut(.submission(exercise: exercise, payload: bytes, reservation: reservation)))
            return .continue

        case let .skipping(remaining):
            let skipped = min(remaining, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: skipped)
            mode = remaining - skipped == 0 ? .lines : .skipping(remaining: remaining - skipped)
            return remaining - skipped == 0 ? .continue : .needMoreData

        case .discardingLine:
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return .needMoreData
            }
            buffer.moveReaderIndex(to: newline + 1)
            mode = .lines
            return .continue

        case .lines:
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.readableBytes > maxLineBytes {
                    buffer.moveReaderIndex(to: buffer.writerIndex)
                    mode = .discardingLine
                    context.fireChannelRead(wrapInboundOut(.lineTooLong(limit: maxLineBytes)))
                }
                return .needMoreData
            }
            let length = newline - buffer.readerIndex
            var bytes = buffer.readBytes(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            guard bytes.count <= maxLineBytes else {
                context.fireChannelRead(wrapInboundOut(.lineTooLong(limit: maxLineBytes)))
                return .continue
            }
            guard let line = String(validating: bytes, as: UTF8.self) else {
                context.fireChannelRead(wrapInboundOut(.invalidUTF8))
                return .continue
            }
            if let frame = frame(for: line) { context.fireChannelRead(wrapInboundOut(frame)) }
            return .continue
        }
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A truncated payload or a last line without `\n`: a client that went away mid-request
        // gets nothing done on its behalf.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// Recognises the one request that carries bytes after its line; nil while its payload
    /// is still to come.
    private mutating func frame(for line: String) -> Frame? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 3, words[0].uppercased() == "SUBMIT", let declared = Int(words[2]), declared >= 0 else {
            return .line(line)
        }
        if declared > maxPayloadBytes {
            let skippable = declared <= maxSkippableBytes
            if skippable && declared > 0 { mode = .skipping(remaining: declared) }
            return .submissionTooLarge(declared: declared, limit: maxPayloadBytes, mustClose: !skippable)
        }
        guard gate.isOpen else {
            if declared > 0 { mode = .skipping(remaining: declared) }
            return .submissionBeforeLogin(declared: declared)
        }
        guard let reservation = budget.reserve(declared) else {
            if declared > 0 { mode = .skipping(remaining: declared) }
            return .submissionBusy(declared: declared)
        }
        if declared == 0 { return .submission(exercise: String(words[1]), payload: [], reservation: reservation) }
        payload.reserveCapacity(declared)
        mode = .payload(exercise: String(words[1]), remaining: declared, reservation: reservation)
        return nil
    }
}

/// Whether a connection has logged in, as the framer sees it: the session opens it before it
/// replies to a successful HELLO, so a SUBMIT sent after that reply finds it open.
public final class LoginGate: Sendable {
    private let flag = LockedFlag()
    public init() {}
    public var isOpen: Bool { flag.value }
    public func open() { _ = flag.setOnce() }
}
