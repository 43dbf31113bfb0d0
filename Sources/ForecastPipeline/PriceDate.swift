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
        self.init(day: PriceDate.daysFromCivil(year, month, day), seconds: seconds)
    }

    public static func < (a: PriceDate, b: PriceDate) -> Bool { (a.day, a.seconds) < (b.day, b.seconds) }

    /// `2018-12-31`, or `2018-12-31 16:00:00` when the row had a time.
    public var description: String {
        let (y, m, d) = PriceDate.civilFromDays(day)
        let date = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
        guard seconds != 0 else { return date }
        return date + " " + pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    public var weekday: Int { ((day % 7) + 7 + 3) % 7 }

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
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month) else { return nil }
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

    private static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    // Howard Hinnant's civil-calendar algorithms (http://howardhinnant.github.io/date_algorithms.html).

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, width - text.count)) + text
}
