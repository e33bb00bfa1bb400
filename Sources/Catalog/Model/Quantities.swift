import Foundation

/// A length of time written the way instructors write it: `500ms`, `20s`, `1.5s`, `2m`, `1h30m`.
public struct TimeSpan: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }

    /// Parses one or more `<number><unit>` parts; units are ms, s, m and h. A bare number means seconds.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let plain = Double(trimmed) {
            guard plain.isFinite else { return nil }
            self.seconds = plain
            return
        }
        var total = 0.0
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m", "min": total += value * 60
            case "h": total += value * 3600
            default: return nil
            }
        }
        self.seconds = total
    }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.seconds < rhs.seconds }

    public var description: String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 60) == 0 {
            let minutes = Int(seconds) / 60
            return minutes % 60 == 0 ? "\(minutes / 60)h" : "\(minutes / 60)h\(minutes % 60)m"
        }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds) / 60)m" }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(seconds)
    }

    public init(from decoder: any Decoder) throws {
        seconds = try decoder.singleValueContainer().decode(Double.self)
    }
}

/// A size in bytes written as `64KiB`, `128MiB`, `1GiB`, `10MB` or a plain number.
public struct ByteCount: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let multipliers: [String: Double] = [
            "": 1, "B": 1,
            "K": 1024, "KiB": 1024, "KB": 1000,
            "M": 1_048_576, "MiB": 1_048_576, "MB": 1_000_000,
            "G": 1_073_741_824, "GiB": 1_073_741_824, "GB": 1_000_000_000,
        ]
        guard let multiplier = multipliers[unit] else { return nil }
        let total = value * multiplier
        guard total.isFinite, total < Double(Int64.max) else { return nil }
        self.bytes = Int64(total)
    }

    public static func < (lhs: ByteCount, rhs: ByteCount) -> Bool { lhs.bytes < rhs.bytes }

    public var description: String {
        for (unit, size) in [("GiB", Int64(1) << 30), ("MiB", Int64(1) << 20), ("KiB", Int64(1) << 10)]
        where bytes >= size && bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return "\(bytes)B"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }

    public init(from decoder: any Decoder) throws {
        bytes = try decoder.singleValueContainer().decode(Int64.self)
    }
}

/// A time of day such as `09:00`, in minutes after midnight.
public struct ClockTime: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var minutes: Int

    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2,
              let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0..<24).contains(hours), (0..<60).contains(minutes) else { return nil }
        self.minutes = hours * 60 + minutes
    }

    public static func < (lhs: ClockTime, rhs: ClockTime) -> Bool { lhs.minutes < rhs.minutes }

    public var description: String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}
