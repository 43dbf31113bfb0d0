import Foundation
import PlexusFormats

/// Column names given on the command line; nil means "guess from the header".
public struct ColumnOptions: Sendable, Equatable {
    public var user: String?
    public var time: String?
    public var amount: String?
    public var event: String?
    public var category: String?

    public init(user: String? = nil, time: String? = nil, amount: String? = nil, event: String? = nil, category: String? = nil) {
        self.user = user
        self.time = time
        self.amount = amount
        self.event = event
        self.category = category
    }
}

/// The columns an input was read with, and which of them were guessed (reported, so a wrong guess is visible).
public struct ColumnMapping: Sendable, Equatable, Codable {
    public var user: String
    public var time: String?
    public var amount: String?
    public var event: String?
    public var category: String?
    public var guessed: [String] = []

    /// `user=user_id (guessed), time=timestamp (guessed), amount=none, …`
    public var description: String {
        let roles: [(String, String?)] = [("user", user), ("time", time), ("amount", amount), ("event", event), ("category", category)]
        return roles.map { role, column in
            "\(role)=\(column ?? "none")\(column != nil && guessed.contains(role) ? " (guessed)" : "")"
        }.joined(separator: ", ")
    }

    /// Header names that suggest each role, compared without case, spaces or punctuation, in order of preference.
    static let candidates: [String: [String]] = [
        "user": ["userid", "user", "customerid", "customer", "clientid", "client", "visitorid", "visitor", "memberid",
                 "accountid", "shopperid", "personid", "uid", "cid"],
        "time": ["timestamp", "ts", "eventtime", "eventtimestamp", "datetime", "time", "date", "eventdate", "createdat",
                 "occurredat", "orderdate", "purchasedate", "invoicedate", "transactiondate"],
        "amount": ["amount", "revenue", "value", "price", "total", "totalamount", "spend", "sales", "monetary",
                   "monetaryvalue", "dollarvalue", "ordervalue", "saleamount"],
        "event": ["event", "eventtype", "eventname", "action", "type", "activity"],
        "category": ["category", "productcategory", "itemcategory", "categoryname", "section", "department", "pagecategory"],
    ]

    static func normalized(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }
}

/// A purchase or activity log: one row per event, interned per user.
public struct EventLog: Sendable {
    public let path: String
    public let columns: ColumnMapping
    /// Distinct user ids in order of first appearance.
    public let userIDs: [String]
    /// Per event: index into `userIDs`.
    public let users: [Int]
    public let times: [EventTime]
    /// Per event; nil when the log has no amount column. A missing amount counts as 0 (an event without revenue).
    public let amounts: [Double]?
    /// Distinct event types, and per event an index into them; nil without an event column.
    public let eventTypes: [String]?
    public let events: [Int]?
    /// Distinct categories, and per event an index into them (-1 where the category is empty).
    public let categoryNames: [String]?
    public let categories: [Int]?

    public var count: Int { users.count }
}

/// A table with one row per user and the features already aggregated: every column but the user id is a feature.
public struct UserTable: Sendable {
    public let path: String
    public let columns: ColumnMapping
    public let userIDs: [String]
    public let featureNames: [String]
    public let values: Matrix
    /// Per user revenue, from the amount column when there is one (it is also a feature).
    public let revenue: [Double]?
}

/// What `cluster` was given: an event log, or a per-user feature table (no time column, one row per user).
public enum UserInput: Sendable {
    case events(EventLog)
    case table(UserTable)

    public var path: String {
        switch self {
        case .events(let log): return log.path
        case .table(let table): return table.path
        }
    }

    public var columns: ColumnMapping {
        switch self {
        case .events(let log): return log.columns
        case .table(let table): return table.columns
        }
    }

    /// Reads `path` (CSV) record by record, finds the columns and checks every value: a bad value is an error naming
    /// the line and column. Where no column is named for a role, a `preferred` name (by role, e.g. a stored run's) is
    /// used if the header has it, else one is guessed. Also returns the file's SHA-256, for the data set's content
    /// hash. The file is never in memory whole: what is kept is one compact entry per event (or row).
    public static func load(path: String, columns options: ColumnOptions,
                            preferred: [String: String] = [:]) throws -> (input: UserInput, sha256: String) {
        var reader = try CSVReader(path: path)
        let input = try read(&reader, columns: options, preferred: preferred)
        return (input, try reader.sha256())
    }

    /// Reads the bytes of an event log or per-user table as `load` does; `path` names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String, columns options: ColumnOptions,
                              preferred: [String: String] = [:]) throws -> UserInput {
        var reader = try CSVReader(bytes: bytes, path: path)
        return try read(&reader, columns: options, preferred: preferred)
    }

    private static func read(_ reader: inout CSVReader, columns options: ColumnOptions, preferred: [String: String]) throws -> UserInput {
        var columns = ColumnReader(header: reader, preferred: preferred)
        let header = reader.header
        let user = try columns.column("user", explicit: options.user, required: true)!
        let time = try columns.column("time", explicit: options.time, required: false)
        let amount = try columns.column("amount", explicit: options.amount, required: false)
        if time == nil {
            // Without times this can only be a per-user table; event and category columns make no sense there.
            let mapping = ColumnMapping(user: header[user], amount: amount.map { header[$0] }, guessed: columns.guessed)
            return .table(try readTable(&reader, user: user, amount: amount, mapping: mapping))
        }
        let event = try columns.column("event", explicit: options.event, required: false)
        let category = try columns.column("category", explicit: options.category, required: false)
        let mapping = ColumnMapping(user: header[user], time: header[time!], amount: amount.map { header[$0] },
                                    event: event.map { header[$0] }, category: category.map { header[$0] },
                                    guessed: columns.guessed)
        return .events(try readLog(&reader, user: user, time: time!, amount: amount, event: event, category: category,
                                   mapping: mapping))
    }

    static func readLog(_ reader: inout CSVReader, user: Int, time: Int, amount: Int?, event: Int?, category: Int?,
                        mapping: ColumnMapping) throws -> EventLog {
        var userIndex: [String: Int] = [:], userIDs: [String] = [], users: [Int] = [], times: [EventTime] = []
        var amounts: [Double] = [], eventIndex: [String: Int] = [:], eventTypes: [String] = [], events: [Int] = []
        var categoryIndex: [String: Int] = [:], categoryNames: [String] = [], categories: [Int] = []
        while let record = try reader.next() {
            let id = try userID(record, column: user, reader)
            if userIndex[id] == nil {
                userIndex[id] = userIDs.count
                userIDs.append(id)
            }
            users.append(userIndex[id]!)
            let text = record.fields[time]
            guard let parsed = EventTime.parse(text) else {
                throw FormatError(path: reader.path, line: record.line,
                                  "column '\(reader.header[time])': cannot read \"\(text)\" as a date or time (expected \(EventTime.acceptedForms))")
            }
            times.append(parsed)
            if let amount { amounts.append(try nonNegative(record, column: amount, reader) ?? 0) }
            if let event {
                let name = record.fields[event].trimmingCharacters(in: .whitespaces)
                let type = name.isEmpty ? "(none)" : name
                if eventIndex[type] == nil {
                    eventIndex[type] = eventTypes.count
                    eventTypes.append(type)
                }
                events.append(eventIndex[type]!)
            }
            if let category {
                let name = record.fields[category].trimmingCharacters(in: .whitespaces)
                if !name.isEmpty && categoryIndex[name] == nil {
                    categoryIndex[name] = categoryNames.count
                    categoryNames.append(name)
                }
                categories.append(name.isEmpty ? -1 : categoryIndex[name]!)
            }
        }
        return EventLog(path: reader.path, columns: mapping, userIDs: userIDs, users: users, times: times,
                        amounts: amount == nil ? nil : amounts, eventTypes: event == nil ? nil : eventTypes,
                        events: event == nil ? nil : events, categoryNames: category == nil ? nil : categoryNames,
                        categories: category == nil ? nil : categories)
    }

    static func readTable(_ reader: inout CSVReader, user: Int, amount: Int?, mapping: ColumnMapping) throws -> UserTable {
        let header = reader.header
        let featureColumns = header.indices.filter { $0 != user }
        guard !featureColumns.isEmpty else {
            throw FormatError(path: reader.path, line: reader.headerLine,
                              "only a user column: an event log needs a time column (--time-column), a per-user table needs feature columns")
        }
        var firstLine: [String: Int] = [:]
        var ids: [String] = [], values: [Double] = []
        while let record = try reader.next() {
            let id = try userID(record, column: user, reader)
            if let earlier = firstLine[id] {
                throw FormatError(path: reader.path, line: record.line,
                                  "user '\(id)' appears again (first on line \(earlier)) and there is no time column: an event log needs one (--time-column; looked for \(ColumnReader.looked("time"))), a per-user feature table has one row per user")
            }
            firstLine[id] = record.line
            ids.append(id)
            for column in featureColumns {
                guard let value = column == amount ? try nonNegative(record, column: column, reader)
                                                   : try CSV.number(record.fields[column], column: header[column], line: record.line, path: reader.path) else {
                    throw FormatError(path: reader.path, line: record.line,
                                      "column '\(header[column])': missing value (a per-user feature table needs a number in every column)")
                }
                values.append(value)
            }
        }
        let matrix = Matrix(rows: ids.count, columns: featureColumns.count, values: values)
        return UserTable(path: reader.path, columns: mapping, userIDs: ids, featureNames: featureColumns.map { header[$0] },
                         values: matrix, revenue: amount.map { column in matrix.column(featureColumns.firstIndex(of: column)!) })
    }

    static func userID(_ record: CSVRecord, column: Int, _ reader: CSVReader) throws -> String {
        let id = record.fields[column].trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty else {
            throw FormatError(path: reader.path, line: record.line, "column '\(reader.header[column])': empty user id")
        }
        return id
    }

    /// A number that must not be negative (an amount); nil when missing.
    static func nonNegative(_ record: CSVRecord, column: Int, _ reader: CSVReader) throws -> Double? {
        let name = reader.header[column]
        guard let value = try CSV.number(record.fields[column], column: name, line: record.line, path: reader.path) else { return nil }
        guard value >= 0 else {
            throw FormatError(path: reader.path, line: record.line,
                              "column '\(name)': negative amount \(record.fields[column]) (refunds and corrections are not supported: net them out first)")
        }
        return value
    }
}

/// Resolves the column for each role: the one named on the command line, or the first header name that suggests
/// the role, never giving one column two roles.
private struct ColumnReader {
    let table: any CSVColumns
    let preferred: [String: String]
    var taken: Set<Int> = []
    var guessed: [String] = []

    init(header: any CSVColumns, preferred: [String: String]) {
        table = header
        self.preferred = preferred
    }

    static func looked(_ role: String) -> String {
        ColumnMapping.candidates[role]!.prefix(6).joined(separator: ", ") + ", …"
    }

    mutating func column(_ role: String, explicit: String?, required: Bool) throws -> Int? {
        if explicit == nil, let name = preferred[role], let index = table.columnIndex(name), !taken.contains(index) {
            taken.insert(index)
            return index
        }
        if let explicit {
            let index = try table.requireColumn(explicit)
            guard !taken.contains(index) else {
                throw FormatError(path: table.path, line: table.headerLine, "column '\(explicit)' cannot be both the \(role) column and another one")
            }
            taken.insert(index)
            return index
        }
        let normalized = table.header.map(ColumnMapping.normalized)
        for candidate in ColumnMapping.candidates[role]! {
            if let index = normalized.indices.first(where: { normalized[$0] == candidate && !taken.contains($0) }) {
                taken.insert(index)
                guessed.append(role)
                return index
            }
        }
        if required {
            let known = table.header.map { "'\($0)'" }.joined(separator: ", ")
            throw FormatError(path: table.path, line: table.headerLine,
                              "no \(role) column (looked for \(Self.looked(role)); columns: \(known)); name it with --\(role)-column")
        }
        return nil
    }
}
