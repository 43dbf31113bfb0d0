import PlexusFormats

/// When an event happened: the instant (UTC seconds since 1970) for recency and gaps, and the wall-clock day and
/// hour as written in the log, which is what "weekend buyer" or "evening visitor" refers to.
public struct EventTime: Equatable, Sendable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let seconds: Double
    /// Days since 1970-01-01 on the clock the time was written in.
    public let localDay: Int
    /// Hour of day on that clock; nil when the log gives dates only.
    public let localHour: Int?

    /// Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
    public var weekday: Int { CivilCalendar.weekday(days: localDay) }

    /// Parses the forms event logs use: `2024-03-05`, `2024/03/05`, `2024-03-05 14:30[:15[.250]]`, ISO 8601 with `T`
    /// and `Z` or an offset (`+01:00`, `+0100`), `20240305`, and Unix time in seconds (9-11 digits) or
    /// milliseconds (12-14 digits). Returns nil for anything else, or for an impossible date.
    public static func parse<Text: StringProtocol>(_ text: Text) -> EventTime? {
        var scanner = DigitScanner(Array(text.utf8))
        scanner.skipSpaces()
        let start = scanner.index
        let digits = scanner.digitRun()
        if scanner.atEnd(ignoringSpaces: true) {
            guard digits <= 14 else { return nil }  // before the digits are summed: 19 or more overflow an Int
            let run = scanner.bytes[start..<start + digits]
            let value = run.reduce(0) { $0 * 10 + Int($1 - 48) }
            switch digits {
            case 8: return date(year: value / 10_000, month: value / 100 % 100, day: value % 100)
            case 9...11: return unix(Double(value), hasClock: true)
            case 12...14: return unix(Double(value) / 1000, hasClock: true)
            default: return nil
            }
        }
        scanner.index = start
        guard let year = scanner.number(digits: 4), let separator = scanner.take(["-", "/"]),
              let month = scanner.number(digits: 1...2), scanner.take([separator]) != nil,
              let day = scanner.number(digits: 1...2),
              let midnight = date(year: year, month: month, day: day) else { return nil }
        if scanner.atEnd(ignoringSpaces: true) { return midnight }
        guard scanner.take(["T", " "]) != nil, let hour = scanner.number(digits: 2), hour < 24,
              scanner.take([":"]) != nil, let minute = scanner.number(digits: 2), minute < 60 else { return nil }
        var second = 0.0
        if scanner.take([":"]) != nil {
            guard let whole = scanner.number(digits: 2), whole < 61 else { return nil }
            second = Double(whole)
            if scanner.take([".", ","]) != nil {
                let fractionStart = scanner.index
                let count = scanner.digitRun()
                guard count > 0 else { return nil }
                let fraction = scanner.bytes[fractionStart..<fractionStart + count].prefix(9)
                second += Double(fraction.reduce(0) { $0 * 10 + Int($1 - 48) }) / pow10(fraction.count)
            }
        }
        var offset = 0.0
        if scanner.take(["Z", "z"]) != nil {
            offset = 0
        } else if let sign = scanner.take(["+", "-"]) {
            guard let hours = scanner.number(digits: 2), hours < 24 else { return nil }
            _ = scanner.take([":"])
            guard let minutes = scanner.number(digits: 2), minutes < 60 else { return nil }
            offset = Double(hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
        }
        guard scanner.atEnd(ignoringSpaces: true) else { return nil }
        let local = Double(midnight.localDay * 86_400 + hour * 3600 + minute * 60) + second
        return EventTime(seconds: local - offset, localDay: midnight.localDay, localHour: hour)
    }

    /// What `parse` accepts, for error messages.
    public static let acceptedForms = "YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], ISO 8601 with T and a zone, YYYYMMDD or Unix seconds"

    static func date(year: Int, month: Int, day: Int) -> EventTime? {
        guard CivilCalendar.isValid(year: year, month: month, day: day) else { return nil }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        return EventTime(seconds: Double(days) * 86_400, localDay: days, localHour: nil)
    }

    static func unix(_ seconds: Double, hasClock: Bool) -> EventTime {
        let day = Int((seconds / 86_400).rounded(.down))
        return EventTime(seconds: seconds, localDay: day, localHour: hasClock ? Int(seconds - Double(day) * 86_400) / 3600 : nil)
    }

    /// The instant as ISO 8601 UTC text: `1997-01-01T00:00:00Z`.
    public var iso8601: String {
        let day = Int((seconds / 86_400).rounded(.down))
        let rest = Int((seconds - Double(day) * 86_400).rounded(.down))
        return "\(CivilCalendar.isoDate(days: day))T\(CivilCalendar.clockTime(seconds: rest))Z"
    }

    private static func pow10(_ exponent: Int) -> Double { (0..<exponent).reduce(1.0) { value, _ in value * 10 } }
}

/// A cursor over ASCII bytes for the timestamp parser.
private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipSpaces() { while index < bytes.count && bytes[index] == 32 { index += 1 } }

    func atEnd(ignoringSpaces: Bool) -> Bool {
        var i = index
        while ignoringSpaces && i < bytes.count && bytes[i] == 32 { i += 1 }
        return i == bytes.count
    }

    /// Steps over a run of digits and returns its length.
    mutating func digitRun() -> Int {
        let start = index
        while index < bytes.count && (48...57).contains(bytes[index]) { index += 1 }
        return index - start
    }

    mutating func number(digits: Int) -> Int? { number(digits: digits...digits) }

    mutating func number(digits allowed: ClosedRange<Int>) -> Int? {
        let start = index
        var value = 0
        while index < bytes.count && index - start < allowed.upperBound && (48...57).contains(bytes[index]) {
            value = value * 10 + Int(bytes[index] - 48)
            index += 1
        }
        guard allowed.contains(index - start) else { index = start; return nil }
        return value
    }

    /// Consumes one of `characters` if it comes next.
    mutating func take(_ characters: [Character]) -> Character? {
        guard index < bytes.count, let match = characters.first(where: { $0.asciiValue == bytes[index] }) else { return nil }
        index += 1
        return match
    }
}
