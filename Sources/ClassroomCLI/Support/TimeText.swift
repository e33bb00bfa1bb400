import Foundation

/// Times as the instructor types and reads them: in the machine's time zone unless an offset is given.
enum TimeText {
    /// `2026-12-08T17:00:00+01:00` (any offset or Z), or `2026-12-08 17:00[:00]` in local time.
    static func parse(_ text: String) -> Date? {
        let normalized = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        do { return try Date(normalized, strategy: .iso8601) } catch {
            // Not with an offset: read it as local time below.
        }
        let halves = normalized.split(separator: "T")
        guard halves.count == 2 else { return nil }
        let day = halves[0].split(separator: "-").compactMap { Int($0) }
        let time = halves[1].split(separator: ":").compactMap { Int($0) }
        guard day.count == 3, (2...3).contains(time.count), halves[1].split(separator: ":").count == time.count else { return nil }
        let components = DateComponents(calendar: Calendar.current, timeZone: .current, year: day[0], month: day[1], day: day[2],
                                        hour: time[0], minute: time[1], second: time.count == 3 ? time[2] : 0)
        guard components.isValidDate else { return nil }
        return components.date
    }

    /// ISO 8601 in the local time zone, so the offset says which zone is meant.
    static func show(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .current))
    }
}
