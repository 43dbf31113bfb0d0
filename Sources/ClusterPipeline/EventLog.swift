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

    /// Reads `path` (CSV), finds the columns and checks every value: a bad value is an error naming the line and
    /// column. Where no column is named for a role, a `preferred` name (by role, e.g. a stored run's) is used if the
    /// header has it, else one is guessed. Also returns the file's bytes, for the dataset's content hash.
    public static func load(path: String, columns options: ColumnOptions,
                            preferred: [String: String] = [:]) throws -> (input: UserInput, bytes: [UInt8]) {
        guard FileManager.default.fileExists(atPath: path) else { throw FormatError(path: path, "file not found") }
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw FormatError(path: path, "cannot read file (\(error.localizedDescription))")
        }
        return (try decode(bytes, path: path, columns: options, preferred: preferred), bytes)
    }

    /// Reads the bytes of an event log or per-user table as `load` does; `path` names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String, columns options: ColumnOptions,
                              preferred: [String: String] = [:]) throws -> UserInput {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FormatError(path: path, "not UTF-8 text") }
        let table = try CSV.parse(text, path: path)
        var reader = ColumnReader(table: table, preferred: preferred)
        let user = try reader.column("user", explicit: options.user, required: true)!
        let time = try reader.column("time", explicit: options.time, required: false)
        let amount = try reader.column("amount", explicit: options.amount, required: false)
        if time == nil {
            // Without times this can only be a per-user table; event and category columns make no sense there.
            let mapping = ColumnMapping(user: table.header[user], amount: amount.map { table.header[$0] }, guessed: reader.guessed)
            return .table(try readTable(table, user: user, amount: amount, mapping: mapping))
        }
        let event = try reader.column("event", explicit: options.event, required: false)
        let category = try reader.column("category", explicit: options.category, required: false)
        let mapping = ColumnMapping(user: table.header[user], time: table.header[time!], amount: amount.map { table.header[$0] },
                                    event: event.map { table.header[$0] }, category: category.map { table.header[$0] },
                                    guessed: reader.guessed)
        return .events(try readLog(table, user: user, time: time!, amount: amount, event: event, category: category,
                                   mapping: mapping))
    }

    static func readLog(_ table: CSVTable, user: Int, time: Int, amount: Int?, event: Int?, category: Int?,
                        mapping: ColumnMapping) throws -> EventLog {
        var userIndex: [String: Int] = [:], userIDs: [String] = [], users: [Int] = [], times: [EventTime] = []
        var amounts: [Double] = [], eventIndex: [String: Int] = [:], eventTypes: [String] = [], events: [Int] = []
        var categoryIndex: [String: Int] = [:], categoryNames: [String] = [], categories: [Int] = []
        for row in table.rows.indices {
            let id = try userID(table, row: row, column: user)
            if userIndex[id] == nil {
                userIndex[id] = userIDs.count
                userIDs.append(id)
            }
            users.append(userIndex[id]!)
            let text = table.rows[row][time]
            guard let parsed = EventTime.parse(text) else {
                throw FormatError(path: table.path, line: table.lineNumbers[row],
                                  "column '\(table.header[time])': cannot read \"\(text)\" as a date or time (expected \(EventTime.acceptedForms))")
            }
            times.append(parsed)
            if let amount { amounts.append(try nonNegative(table, row: row, column: amount) ?? 0) }
            if let event {
                let name = table.rows[row][event].trimmingCharacters(in: .whitespaces)
                let type = name.isEmpty ? "(none)" : name
                if eventIndex[type] == nil {
                    eventIndex[type] = eventTypes.count
                    eventTypes.append(type)
                }
                events.append(eventIndex[type]!)
            }
            if let category {
                let name = table.rows[row][category].trimmingCharacters(in: .whitespaces)
                if !name.isEmpty && categoryIndex[name] == nil {
                    categoryIndex[name] = categoryNames.count
                    categoryNames.append(name)
                }
                categories.append(name.isEmpty ? -1 : categoryIndex[name]!)
            }
        }
        return EventLog(path: table.path, columns: mapping, userIDs: userIDs, users: users, times: times,
                        amounts: amount == nil ? nil : amounts, eventTypes: event == nil ? nil : eventTypes,
                        events: event == nil ? nil : events, categoryNames: category == nil ? nil : categoryNames,
                        categories: category == nil ? nil : categories)
    }

    static func readTable(_ table: CSVTable, user: Int, amount: Int?, mapping: ColumnMapping) throws -> UserTable {
        let featureColumns = table.header.indices.filter { $0 != user }
        guard !featureColumns.isEmpty else {
            throw FormatError(path: table.path, line: table.headerLine,
                              "only a user column: an event log needs a time column (--time-column), a per-user table needs feature columns")
        }
        var firstLine: [String: Int] = [:]
        var ids: [String] = [], values: [Double] = []
        for row in table.rows.indices {
            let id = try userID(table, row: row, column: user)
            if let earlier = firstLine[id] {
                throw FormatError(path: table.path, line: table.lineNumbers[row],
                                  "user '\(id)' appears again (first on line \(earlier)) and there is no time column: an event log needs one (--time-column; looked for \(ColumnReader.looked("time"))), a per-user feature table has one row per user")
            }
            firstLine[id] = table.lineNumbers[row]
            ids.append(id)
            for column in featureColumns {
                guard let value = column == amount ? try nonNegative(table, row: row, column: column)
                                                   : try table.double(row: row, column: column) else {
                    throw FormatError(path: table.path, line: table.lineNumbers[row],
                                      "column '\(table.header[column])': missing value (a per-user feature table needs a number in every column)")
                }
                values.append(value)
            }
        }
        let matrix = Matrix(rows: ids.count, columns: featureColumns.count, values: values)
        return UserTable(path: table.path, columns: mapping, userIDs: ids, featureNames: featureColumns.map { table.header[$0] },
                         values: matrix, revenue: amount.map { column in matrix.column(featureColumns.firstIndex(of: column)!) })
    }

    static func userID(_ table: CSVTable, row: Int, column: Int) throws -> String {
        let id = table.rows[row][column].trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty else {
            throw FormatError(path: table.path, line: table.lineNumbers[row], "column '\(table.header[column])': empty user id")
        }
        return id
    }

    /// A number that must not be negative (an amount); nil when missing.
    static func nonNegative(_ table: CSVTable, row: Int, column: Int) throws -> Double? {
        guard let value = try table.double(row: row, column: column) else { return nil }
        guard value >= 0 else {
            throw FormatError(path: table.path, line: table.lineNumbers[row],
                              "column '\(table.header[column])': negative amount \(table.rows[row][column]) (refunds and corrections are not supported: net them out first)")
        }
        return value
    }
}

/// Resolves the column for each role: the one named on the command line, or the first header name that suggests
/// the role, never giving one column two roles.
private struct ColumnReader {
    let table: CSVTable
    let preferred: [String: String]
    var taken: Set<Int> = []
    var guessed: [String] = []

    init(table: CSVTable, preferred: [String: String]) {
        self.table = table
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
