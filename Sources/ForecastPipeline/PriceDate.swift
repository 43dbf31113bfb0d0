import PlexusFormats

/// A row's date, with an optional time of day, as price exports write them.
///
/// Stored as a day number (days since 1970-01-01, proleptic Gregorian) so that sorting, differences and
/// "the next weekday" are integer arithmetic, with no calendar or time-zone library in the way. A time zone
/// suffix (`Z`, `+01:00`) is accepted and ignored: a daily series is indexed by the exchange's local date.
public struct PriceDate: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let day: Int
    /// Seconds since midnight; 0 for a plain date.
    public let seconds: Int

    public init(day: Int, seconds: Int = 0) {
        self.day = day
        self.seconds = seconds
    }

    public init(year: Int, month: Int, day: Int, seconds: Int = 0) {
        self.init(day: CivilCalendar.days(year: year, month: month, day: day), seconds: seconds)
    }

    public static func < (a: PriceDate, b: PriceDate) -> Bool { (a.day, a.seconds) < (b.day, b.seconds) }

    /// `2018-12-31`, or `2018-12-31 16:00:00` when the row had a time.
    public var description: String {
        let date = CivilCalendar.isoDate(days: day)
        return seconds == 0 ? date : date + " " + CivilCalendar.clockTime(seconds: seconds)
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    public var weekday: Int { CivilCalendar.weekday(days: day) }

    /// The date `count` weekdays later (Saturdays and Sundays skipped; exchange holidays are not known).
    public func addingWeekdays(_ count: Int) -> PriceDate {
        var next = day
        var left = count
        while left > 0 {
            next += 1
            if PriceDate(day: next).weekday < 5 { left -= 1 }
        }
        return PriceDate(day: next, seconds: seconds)
    }

    /// Accepted forms: `YYYY-MM-DD` and `M/D/YYYY` (Yahoo Finance, Stooq, Kaggle, `pandas.to_csv`), each optionally
    /// followed by a time `HH:MM[:SS[.fff]]` after a space or `T`, and a zone `Z` / `±HH:MM` that is ignored.
    public static func parse(_ text: String) -> PriceDate? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let splitAt = trimmed.firstIndex { $0 == " " || $0 == "T" }
        let datePart = splitAt.map { String(trimmed[..<$0]) } ?? trimmed
        var seconds = 0
        if let splitAt {
            guard let time = parseTime(String(trimmed[trimmed.index(after: splitAt)...])) else { return nil }
            seconds = time
        }
        let year: Int, month: Int, day: Int
        if datePart.contains("-") {
            let parts = datePart.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, let y = number(parts[0]), let m = number(parts[1]), let d = number(parts[2]) else { return nil }
            (year, month, day) = (y, m, d)
        } else if datePart.contains("/") {
            let parts = datePart.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[2].count == 4, let m = number(parts[0]), let d = number(parts[1]), let y = number(parts[2]) else { return nil }
            (year, month, day) = (y, m, d)
        } else {
            return nil
        }
        guard CivilCalendar.isValid(year: year, month: month, day: day) else { return nil }
        return PriceDate(year: year, month: month, day: day, seconds: seconds)
    }

    /// `HH:MM[:SS[.fff]]` with an optional `Z` or `±HH[:MM]` zone; returns seconds since midnight.
    private static func parseTime(_ text: String) -> Int? {
        var clock = Substring(text.trimmingCharacters(in: .whitespaces))
        if clock.hasSuffix("Z") { clock = clock.dropLast() }
        if let zone = clock.lastIndex(where: { $0 == "+" || $0 == "-" }) { clock = clock[..<zone] }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), let hours = number(parts[0]), let minutes = number(parts[1]),
              hours < 24, minutes < 60 else { return nil }
        var seconds = 0
        if parts.count == 3 {
            let whole = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard let value = number(whole[0]), value < 60, whole.count == 1 || whole[1].allSatisfy(\.isASCII) && whole[1].allSatisfy(\.isNumber)
            else { return nil }
            seconds = value
        }
        return hours * 3600 + minutes * 60 + seconds
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 4, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
