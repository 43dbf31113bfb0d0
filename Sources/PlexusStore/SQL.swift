import Foundation
internal import GRDB

/// A value bound to a `?` of a statement or read from a column: SQLite's five storage classes.
public enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .integer(let value): return value.databaseValue
        case .real(let value): return value.databaseValue
        case .text(let value): return value.databaseValue
        case .blob(let bytes): return Data(bytes).databaseValue
        }
    }

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let integer): self = .integer(integer)
        case .double(let real): self = .real(real)
        case .string(let text): self = .text(text)
        case .blob(let data): self = .blob([UInt8](data))
        }
    }
}

/// A Swift value that can be bound to a statement and read back from a column.
public protocol SQLConvertible {
    var sqlValue: SQLValue { get }
    /// nil when the column holds something else (or NULL).
    init?(sqlValue: SQLValue)
}

extension Int64: SQLConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue: SQLValue) {
        guard case .integer(let value) = sqlValue else { return nil }
        self = value
    }
}

extension Int: SQLConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(value)
    }
}

extension Double: SQLConvertible {
    public var sqlValue: SQLValue { .real(self) }
    /// Integers read as doubles too: SQLite stores a REAL column's whole numbers as they came.
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension Bool: SQLConvertible {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = value != 0
    }
}

extension String: SQLConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue: SQLValue) {
        guard case .text(let value) = sqlValue else { return nil }
        self = value
    }
}

extension Array: SQLConvertible where Element == UInt8 {
    public var sqlValue: SQLValue { .blob(self) }
    public init?(sqlValue: SQLValue) {
        guard case .blob(let bytes) = sqlValue else { return nil }
        self = bytes
    }
}

/// Arguments for the `?` placeholders of a statement, in order; `nil` binds NULL.
public typealias SQLArguments = [(any SQLConvertible)?]

extension Array where Element == (any SQLConvertible)? {
    var statementArguments: StatementArguments {
        StatementArguments(map { $0?.sqlValue.databaseValue ?? .null })
    }
}

/// One result row, read by column name.
public struct SQLRow {
    let values: [String: SQLValue]

    init(_ row: Row) {
        var values: [String: SQLValue] = [:]
        for (column, value) in row { values[column] = SQLValue(value) }
        self.values = values
    }

    /// The column's value as `T`; nil when it is NULL, absent or of another type.
    public subscript<T: SQLConvertible>(_ column: String) -> T? {
        values[column].flatMap(T.init(sqlValue:))
    }
}

/// The database inside one transaction of `Store.write` or `Store.read`, for a pipeline's own tables.
/// The shared tables (`runs`, `epochs`, `metrics`, `models`, `artifacts`) are written through `Store`'s typed
/// methods only, so their rules (NaN checks, statuses, upserts) live in one place.
///
/// ```swift
/// try store.write { transaction in
///     let insert = try transaction.prepare("INSERT INTO segments (run_id, user_id, segment) VALUES (?, ?, ?)")
///     for (user, segment) in labels { try insert.execute([runID, user, segment]) }
/// }
/// ```
public struct StoreTransaction {
    let database: Database

    public func execute(_ sql: String, _ arguments: SQLArguments = []) throws {
        try database.execute(sql: sql, arguments: arguments.statementArguments)
    }

    /// A statement compiled once and executed for many rows.
    public func prepare(_ sql: String) throws -> PreparedStatement {
        PreparedStatement(statement: try database.makeStatement(sql: sql))
    }

    public func rows(_ sql: String, _ arguments: SQLArguments = []) throws -> [SQLRow] {
        try Row.fetchAll(database, sql: sql, arguments: arguments.statementArguments).map(SQLRow.init)
    }

    /// The first column of the first row, or nil when there is no row or it is NULL.
    public func value<T: SQLConvertible>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> T? {
        try DatabaseValue.fetchOne(database, sql: sql, arguments: arguments.statementArguments).flatMap { T(sqlValue: SQLValue($0)) }
    }

    /// The first column of every row, skipping NULLs.
    public func values<T: SQLConvertible>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> [T] {
        try DatabaseValue.fetchAll(database, sql: sql, arguments: arguments.statementArguments).compactMap { T(sqlValue: SQLValue($0)) }
    }

    /// Every row of a query with its columns in the order the query names them, for showing a table as it came.
    public func table(_ sql: String, _ arguments: SQLArguments = []) throws -> SQLTable {
        let statement = try database.makeStatement(sql: sql)
        let rows = try Row.fetchAll(statement, arguments: arguments.statementArguments)
        return SQLTable(columns: statement.columnNames, rows: rows.map { row in row.databaseValues.map(SQLValue.init) })
    }

    /// The row id of the last INSERT.
    public var lastInsertedRowID: Int64 { database.lastInsertedRowID }
}

/// A query's result as columns and rows of values, in order.
public struct SQLTable: Equatable, Sendable {
    public var columns: [String]
    public var rows: [[SQLValue]]

    public init(columns: [String], rows: [[SQLValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

/// A compiled statement; see `StoreTransaction.prepare`.
public struct PreparedStatement {
    let statement: Statement

    public func execute(_ arguments: SQLArguments) throws {
        try statement.execute(arguments: arguments.statementArguments)
    }
}
