import PlexusFormats
import Foundation
import PlexusStore

/// The cluster pipeline's tables, next to the shared ones:
///
/// | table | rows |
/// |---|---|
/// | `events(dataset_id, user_id, ts, event, amount, category)` | the log, once per dataset |
/// | `user_features(run_id, user_id, features)` | each user's raw features as JSON |
/// | `segments(run_id, user_id, segment, distance)` | each user's segment and distance to its centroid |
/// | `segment_profiles(run_id, segment, name, users, revenue_share, profile)` | named profiles; `profile` is JSON |
public enum ClusterStore {
    public static let migrations = [
        StoreMigration("cluster-v1", sql: """
            CREATE TABLE events (
                dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                user_id TEXT NOT NULL,
                ts TEXT NOT NULL,
                event TEXT,
                amount REAL,
                category TEXT
            );
            CREATE INDEX events_by_dataset_user ON events (dataset_id, user_id);
            CREATE TABLE user_features (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                features TEXT NOT NULL,
                PRIMARY KEY (run_id, user_id)
            );
            CREATE TABLE segments (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                segment INTEGER NOT NULL,
                distance REAL NOT NULL,
                PRIMARY KEY (run_id, user_id)
            );
            CREATE TABLE segment_profiles (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                segment INTEGER NOT NULL,
                name TEXT NOT NULL,
                users INTEGER NOT NULL,
                revenue_share REAL,
                profile TEXT NOT NULL,
                PRIMARY KEY (run_id, segment)
            );
            """),
    ]

    /// Opens (creating or migrating) the database with the cluster tables.
    public static func open(path: String) throws -> Store {
        try Store(path: path, migrations: migrations)
    }

    /// Everything a run or an assignment writes once its numbers are known.
    struct Results {
        var runID: Int64
        var datasetID: Int64
        var log: EventLog?
        var features: UserFeatures
        var labels: [Int]
        var distances: [Double]
        var profiles: [SegmentProfile]
        /// (split, name, value)
        var metrics: [(String, String, Double)]
        /// (name, format, bytes)
        var models: [(String, String, [UInt8])]
    }

    /// Writes `results` in one transaction, so a failure leaves none of it behind. The shared `metrics` and `models`
    /// rows are inserted here rather than through `Store.recordMetrics` / `saveModel`, which open transactions of
    /// their own, so that they commit together with the segments.
    static func save(_ results: Results, in store: Store) throws {
        if let bad = results.metrics.first(where: { !$0.2.isFinite }) {
            throw StoreError(path: store.path, "metric \(bad.1) of run \(results.runID) is \(bad.2), which cannot be stored")
        }
        try store.write { db in
            if let log = results.log,
               try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE dataset_id = ?", arguments: [results.datasetID]) == 0 {
                try insertEvents(log, datasetID: results.datasetID, db)
            }
            let features = try db.makeStatement(sql: "INSERT INTO user_features (run_id, user_id, features) VALUES (?, ?, ?)")
            let segments = try db.makeStatement(sql: "INSERT INTO segments (run_id, user_id, segment, distance) VALUES (?, ?, ?, ?)")
            let keys = results.features.names.map(jsonString)
            for (user, id) in results.features.userIDs.enumerated() {
                try features.execute(arguments: [results.runID, id, jsonObject(keys, Array(results.features.values.row(user)))])
                try segments.execute(arguments: [results.runID, id, results.labels[user], results.distances[user]])
            }
            for profile in results.profiles {
                let json = "{\"median\": \(jsonObject(keys, profile.medians)), \"level\": \(jsonObject(keys, profile.levels)), "
                    + "\"user_share\": \(number(profile.userShare))}"
                try db.execute(sql: """
                    INSERT INTO segment_profiles (run_id, segment, name, users, revenue_share, profile) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [results.runID, profile.segment, profile.name, profile.users, profile.revenueShare, json])
            }
            for (split, name, value) in results.metrics {
                try db.execute(sql: "INSERT INTO metrics (run_id, split, name, value) VALUES (?, ?, ?, ?)",
                               arguments: [results.runID, split, name, value])
            }
            for (name, format, bytes) in results.models {
                try db.execute(sql: """
                    INSERT INTO models (run_id, name, format, bytes) VALUES (?, ?, ?, ?)
                    ON CONFLICT (run_id, name) DO UPDATE SET format = excluded.format, bytes = excluded.bytes
                    """, arguments: [results.runID, name, format, Data(bytes)])
            }
        }
    }

    private static func insertEvents(_ log: EventLog, datasetID: Int64, _ db: Database) throws {
        let statement = try db.makeStatement(sql: "INSERT INTO events (dataset_id, user_id, ts, event, amount, category) VALUES (?, ?, ?, ?, ?, ?)")
        for event in 0..<log.count {
            let time = log.times[event]
            // Date-only logs keep their dates; times are stored as UTC instants.
            let ts = time.localHour == nil ? CivilCalendar.isoDate(days: time.localDay) : time.iso8601
            let type = log.events.map { log.eventTypes![$0[event]] }
            let category = log.categories.flatMap { $0[event] >= 0 ? log.categoryNames![$0[event]] : nil }
            try statement.execute(arguments: [datasetID, log.userIDs[log.users[event]], ts, type, log.amounts?[event], category])
        }
    }

    /// The segment names of a stored run, by segment number.
    static func segmentNames(runID: Int64, in store: Store) throws -> [String] {
        try store.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM segment_profiles WHERE run_id = ? ORDER BY segment", arguments: [runID])
        }
    }

    /// Each user's segment in a stored run.
    static func segments(runID: Int64, in store: Store) throws -> [String: Int] {
        try store.read { db in
            var result: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT user_id, segment FROM segments WHERE run_id = ?", arguments: [runID]) {
                result[row["user_id"]] = row["segment"]
            }
            return result
        }
    }

    /// `{"name": value, …}` from keys already quoted by `jsonString`, with numbers to 6 significant digits.
    static func jsonObject(_ keys: [String], _ values: [Double]) -> String {
        "{" + zip(keys, values).map { "\($0): \(number($1))" }.joined(separator: ", ") + "}"
    }

    static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : "null"
    }

    static func jsonString(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
