import Foundation
import PlexusKit
import PlexusStore

/// The anomaly pipeline's table, next to the shared ones and the shared `images` table (ImageTables.swift):
/// `anomaly_scores`, one row per scan and method (`autoencoder`, `intensity`) of a run. A training run's rows are
/// its held-out normal scans (the calibration set: `score` compares new scans with them); a score run's rows are the
/// scans it scored. `calibrated` is the share of held-out normal scans that score lower, `threshold` the image
/// threshold the verdict `is_anomaly` used, `label` `normal`/`abnormal` when known, and `heatmap` a PNG of the
/// method's anomaly map over the scan.
public enum AnomalyTables {
    public static let migrations = [
        imagesMigration,
        StoreMigration("anomaly-v1", sql: """
            CREATE TABLE anomaly_scores (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                method TEXT NOT NULL,
                path TEXT NOT NULL,
                score REAL NOT NULL,
                calibrated REAL NOT NULL,
                threshold REAL NOT NULL,
                is_anomaly INTEGER NOT NULL,
                label TEXT,
                heatmap BLOB NOT NULL,
                PRIMARY KEY (run_id, method, path)
            );
            """),
        // `plexus ui` lists a run's scans by score.
        StoreMigration("anomaly-v2-indexes", sql: "CREATE INDEX anomaly_scores_by_score ON anomaly_scores (run_id, method, score)"),
    ]

    /// Opens the database with the shared tables and these.
    public static func open(path: String) throws -> Store {
        try Store(path: path, migrations: migrations)
    }

    /// One `anomaly_scores` row.
    struct Row {
        let method: Method
        let path: String
        let score: Double
        let calibrated: Double
        let threshold: Double
        let isAnomaly: Bool
        let label: String?
        let heatmap: [UInt8]
    }

    static func insert(_ rows: [Row], runID: Int64, _ transaction: StoreTransaction) throws {
        let statement = try transaction.prepare("""
            INSERT INTO anomaly_scores (run_id, method, path, score, calibrated, threshold, is_anomaly, label, heatmap)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for row in rows {
            try statement.execute([runID, row.method.rawValue, row.path, row.score, row.calibrated, row.threshold, row.isAnomaly,
                                   row.label, row.heatmap])
        }
    }

    /// The held-out normal scores a training run recorded for `method`.
    static func calibrationScores(runID: Int64, method: Method, in store: Store) throws -> [Double] {
        try store.read { transaction in
            try transaction.values(Double.self, "SELECT score FROM anomaly_scores WHERE run_id = ? AND method = ? ORDER BY score",
                                   [runID, method.rawValue])
        }
    }
}
