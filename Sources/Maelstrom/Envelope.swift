import Foundation

/// Why a node's stdout line is not a message Maelstrom accepts.
struct EnvelopeError: Error, CustomStringConvertible {
    var description: String
}

/// The parts of a message line the network needs: who sent it and to whom. The body is
/// validated (it must be an object with a string `type`) but not built.
struct Envelope {
    /// The raw bytes of `src` and `dest` (valid only while the line is).
    var src: UnsafeBufferPointer<UInt8>
    var dest: UnsafeBufferPointer<UInt8>

    var srcText: String { "'" + String(decoding: src, as: UTF8.self) + "'" }
    var destText: String { "'" + String(decoding: dest, as: UTF8.self) + "'" }

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(EnvelopeError) -> Envelope {
        var p = JSONParser(bytes)
        var src: UnsafeBufferPointer<UInt8>?, dest: UnsafeBufferPointer<UInt8>?, sawBody = false
        do {
            guard try p.peek() == UInt8(ascii: "{") else { throw EnvelopeError(description: "not a JSON object") }
            p.index += 1
            if try p.peek() != UInt8(ascii: "}") {
                while true {
                    guard try p.peek() == UInt8(ascii: "\"") else { throw p.error("expected a member name in quotes") }
                    let (keyRange, _) = try p.stringRange()
                    let key = UnsafeBufferPointer(rebasing: bytes[keyRange])
                    try p.expect(UInt8(ascii: ":"))
                    if key.elementsEqual("src".utf8) || key.elementsEqual("dest".utf8) {
                        guard try p.peek() == UInt8(ascii: "\"") else {
                            throw EnvelopeError(description: "'\(String(decoding: key, as: UTF8.self))' is not a string")
                        }
                        let (r, escaped) = try p.stringRange()
                        if escaped { throw EnvelopeError(description: "a node id with escapes") }
                        if key.count == 3 { src = UnsafeBufferPointer(rebasing: bytes[r]) } else { dest = UnsafeBufferPointer(rebasing: bytes[r]) }
                    } else if key.elementsEqual("body".utf8) {
                        try scanBody(&p, bytes)
                        sawBody = true
                    } else {
                        try p.skipValue(depth: 1)
                    }
                    let next = try p.peek()
                    p.index += 1
                    if next == UInt8(ascii: "}") { break }
                    if next != UInt8(ascii: ",") { p.index -= 1; throw p.error("expected ',' or '}'") }
                }
            } else {
                p.index += 1
            }
            p.skipBlanks()
            if p.index != bytes.count { throw p.error("unexpected text after the JSON object") }
        } catch let e as JSONSyntaxError {
            throw EnvelopeError(description: "not JSON: \(e.description)")
        } catch let e as EnvelopeError {
            throw e
        } catch {
            throw EnvelopeError(description: "\(error)")
        }
        guard let src else { throw EnvelopeError(description: "no 'src'") }
        guard let dest else { throw EnvelopeError(description: "no 'dest'") }
        guard sawBody else { throw EnvelopeError(description: "no 'body'") }
        return Envelope(src: src, dest: dest)
    }

    /// The body must be an object whose `type` is a string.
    private static func scanBody(_ p: inout JSONParser, _ bytes: UnsafeBufferPointer<UInt8>) throws -> Void {
        guard try p.peek() == UInt8(ascii: "{") else { throw EnvelopeError(description: "'body' is not an object") }
        p.index += 1
        var typed = false
        if try p.peek() == UInt8(ascii: "}") {
            p.index += 1
        } else {
            while true {
                guard try p.peek() == UInt8(ascii: "\"") else { throw p.error("expected a member name in quotes") }
                let (keyRange, _) = try p.stringRange()
                try p.expect(UInt8(ascii: ":"))
                if UnsafeBufferPointer(rebasing: bytes[keyRange]).elementsEqual("type".utf8) {
                    guard try p.peek() == UInt8(ascii: "\"") else { throw EnvelopeError(description: "the body's 'type' is not a string") }
                    typed = true
                }
                try p.skipValue(depth: 2)
                let next = try p.peek()
                p.index += 1
                if next == UInt8(ascii: "}") { break }
                if next != UInt8(ascii: ",") { p.index -= 1; throw p.error("expected ',' or '}'") }
            }
        }
        if !typed { throw EnvelopeError(description: "the body has no 'type'") }
    }
}

/// The cost of reading message envelopes alone, the floor under the network's cost per
/// message (a baseline for `classroom bench maelstrom`).
public enum RoutingBaseline {
    /// CPU seconds of the calling thread to scan `line`'s envelope `count` times.
    public static func envelopeScanSeconds(line: String, count: Int) -> Double {
        let bytes = Array(line.utf8)
        let start = threadCPUSeconds()
        var valid = 0
        bytes.withUnsafeBufferPointer { buf in
            for _ in 0..<count {
                do {
                    let e = try Envelope.scan(buf)
                    valid &+= e.dest.count
                } catch {
                    valid = -1
                }
            }
        }
        precondition(valid >= 0, "the baseline line is not a message")
        return threadCPUSeconds() - start
    }
}
