import Foundation
internal import GRDB

/// Lifecycle of a row in `runs`; the raw values are what the `status` column's CHECK constraint allows.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case running, completed, failed, interrupted
}

/// One row of `runs`, with the seed converted back from its stored bit pattern.
public struct RunRecord: Codable, Equatable, Sendable {
    public var id: Int64
    public var pipeline: String
    public var datasetID: Int64?
    /// The run's configuration as JSON text.
    public var config: String
    public var status: RunStatus
    public var seed: UInt64
    public var startedAt: Date
    public var finishedAt: Date?
    public var error: String?
    /// The machine and process that ran (or runs) it, and when it last said it was alive: what lets a later
    /// command tell a live run from one whose process was killed.
    public var host: String?
    public var pid: Int32?
    public var heartbeatAt: Date?

    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        pipeline = try row.decode(forColumn: "pipeline")
        datasetID = try row.decode(forColumn: "dataset_id")
        config = try row.decode(forColumn: "config")
        let statusText: String = try row.decode(forColumn: "status")
        guard let status = RunStatus(rawValue: statusText) else {
            throw UnreadableValue(text: statusText, expected: RunStatus.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.status = status
        seed = UInt64(bitPattern: try row.decode(Int64.self, forColumn: "seed"))
        startedAt = try Timestamp.parse(row.decode(forColumn: "started_at"))
        finishedAt = try row.decode(String?.self, forColumn: "finished_at").map(Timestamp.parse)
        error = try row.decode(forColumn: "error")
        host = try row.decode(forColumn: "host")
        pid = try row.decode(Int64?.self, forColumn: "pid").map { Int32(truncatingIfNeeded: $0) }
        heartbeatAt = try row.decode(String?.self, forColumn: "heartbeat_at").map(Timestamp.parse)
    }

    /// Seconds from start to finish, or to now while it runs.
    public var duration: TimeInterval { (finishedAt ?? Date()).timeIntervalSince(startedAt) }
}

/// A failure of the store, as one line naming the database file and what went wrong.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// A pipeline's own schema change, applied once per database after the shared migrations.
public struct StoreMigration: Sendable {
    public let identifier: String
    let migrate: @Sendable (Database) throws -> Void

    init(_ identifier: String, _ migrate: @escaping @Sendable (Database) throws -> Void) {
        self.identifier = identifier
        self.migrate = migrate
    }

    /// A migration that executes `sql` (one or more statements).
    public init(_ identifier: String, sql: String) {
        self.init(identifier) { db in try db.execute(sql: sql) }
    }
}

/// Timestamps are stored as ISO-8601 UTC text so they read well in `sqlite3` and sort as text.
enum Timestamp {
    static func now() -> String { text(Date()) }
    static func text(_ date: Date) -> String { date.formatted(.iso8601) }

    static func parse(_ text: String) throws -> Date {
        guard let date = try? Date(text, strategy: .iso8601) else {
            throw UnreadableValue(text: text, expected: "an ISO-8601 timestamp")
        }
        return date
    }
}

/// A stored value that is not what its column holds.
struct UnreadableValue: Error, CustomStringConvertible {
    let text: String
    let expected: String
    var description: String { "expected \(expected), found '\(text)'" }
}
