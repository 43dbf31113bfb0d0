import PlexusFormats
import Foundation
import PlexusStore
import PlexusKit

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
        // `plexus ui` lists the users of one segment.
        StoreMigration("cluster-v2-indexes", sql: "CREATE INDEX segments_by_segment ON segments (run_id, segment)"),
    ]

    /// Opens (creating or migrating) the database with the cluster tables.
    public static func open(path: String) throws -> Store {
        try Store(path: path, migrations: migrations)
    }

    /// What a run adds to the cluster tables: the events (once per data set), each user's features and segment,
    /// and the segment profiles.
    struct Rows {
        var datasetID: Int64
        var log: EventLog?
        var features: UserFeatures
        var labels: [Int]
        var distances: [Double]
        var profiles: [SegmentProfile]
    }

    /// Stages the rows in the run's final transaction.
    static func save(_ rows: Rows, in run: RecordedRun) {
        let runID = run.id
        run.tables { transaction in
            if let log = rows.log,
               try transaction.value(Int.self, "SELECT count(*) FROM events WHERE dataset_id = ?", [rows.datasetID]) == 0 {
                try insertEvents(log, datasetID: rows.datasetID, transaction)
            }
            let features = try transaction.prepare("INSERT INTO user_features (run_id, user_id, features) VALUES (?, ?, ?)")
            let segments = try transaction.prepare("INSERT INTO segments (run_id, user_id, segment, distance) VALUES (?, ?, ?, ?)")
            let keys = rows.features.names.map(\.jsonQuoted)
            for (user, id) in rows.features.userIDs.enumerated() {
                try features.execute([runID, id, jsonObject(keys, Array(rows.features.values.row(user)))])
                try segments.execute([runID, id, rows.labels[user], rows.distances[user]])
            }
            for profile in rows.profiles {
                let json = "{\"median\": \(jsonObject(keys, profile.medians)), \"level\": \(jsonObject(keys, profile.levels)), "
                    + "\"user_share\": \(number(profile.userShare))}"
                try transaction.execute("""
                    INSERT INTO segment_profiles (run_id, segment, name, users, revenue_share, profile) VALUES (?, ?, ?, ?, ?, ?)
                    """, [runID, profile.segment, profile.name, profile.users, profile.revenueShare, json])
            }
        }
    }

    private static func insertEvents(_ log: EventLog, datasetID: Int64, _ transaction: StoreTransaction) throws {
        let statement = try transaction.prepare("INSERT INTO events (dataset_id, user_id, ts, event, amount, category) VALUES (?, ?, ?, ?, ?, ?)")
        for event in 0..<log.count {
            let time = log.times[event]
            // Date-only logs keep their dates; times are stored as UTC instants.
            let ts = time.localHour == nil ? CivilCalendar.isoDate(days: time.localDay) : time.iso8601
            let type = log.events.map { log.eventTypes![$0[event]] }
            let category = log.categories.flatMap { $0[event] >= 0 ? log.categoryNames![$0[event]] : nil }
            try statement.execute([datasetID, log.userIDs[log.users[event]], ts, type, log.amounts?[event], category])
        }
    }

    static func segmentNames(runID: Int64, in store: Store) throws -> [String] {
        try store.read { transaction in
            try transaction.values(String.self, "SELECT name FROM segment_profiles WHERE run_id = ? ORDER BY segment", [runID])
        }
    }

    /// Each user's segment in a stored run.
    static func segments(runID: Int64, in store: Store) throws -> [String: Int] {
        try store.read { transaction in
            var result: [String: Int] = [:]
            for row in try transaction.rows("SELECT user_id, segment FROM segments WHERE run_id = ?", [runID]) {
                if let user: String = row["user_id"] { result[user] = row["segment"] }
            }
            return result
        }
    }

    /// `{"name": value, …}` from keys already quoted by `jsonQuoted`, with numbers to 6 significant digits.
    static func jsonObject(_ keys: [String], _ values: [Double]) -> String {
        "{" + zip(keys, values).map { "\($0): \(number($1))" }.joined(separator: ", ") + "}"
    }

    static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : "null"
    }
}
