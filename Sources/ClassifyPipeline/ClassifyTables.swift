import Foundation
import PlexusKit
import PlexusStore

/// The classify pipeline's own tables, next to the shared ones and the shared `images` table (ImageTables.swift):
/// - `predictions`: one row per image a run classified: a training run's test images (its validation images when
///   it had no test folder), or the files of a `predict` or `evaluate` run. `label` is NULL when unknown, `top_k` is
///   a JSON array of `{"class": name, "p": probability}`, most likely first.
/// - `confusion`: the non-zero cells of the same run's confusion matrix (actual class by row, predicted by column).
public enum ClassifyTables {
    public static let migrations = [
        imagesMigration,
        StoreMigration("classify-v1", sql: """
            CREATE TABLE predictions (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                path TEXT NOT NULL,
                label TEXT,
                predicted TEXT NOT NULL,
                confidence REAL NOT NULL,
                top_k TEXT NOT NULL,
                PRIMARY KEY (run_id, path)
            );
            CREATE TABLE confusion (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                actual TEXT NOT NULL,
                predicted TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (run_id, actual, predicted)
            );
            """),
        // `plexus ui` lists a run's least confident predictions first.
        StoreMigration("classify-v2-indexes", sql: "CREATE INDEX predictions_by_confidence ON predictions (run_id, confidence)"),
    ]

    /// Opens the database with the shared tables and these.
    public static func open(path: String) throws -> Store {
        try Store(path: path, migrations: migrations)
    }

    /// Stages the predictions and the confusion matrix in the run's final transaction.
    static func record(_ predictions: [Prediction], confusion report: ClassificationReport?, in run: RecordedRun) {
        let runID = run.id
        run.tables { transaction in
            let statement = try transaction.prepare("""
                INSERT INTO predictions (run_id, path, label, predicted, confidence, top_k) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for prediction in predictions {
                try statement.execute([runID, prediction.path, prediction.label, prediction.predicted, Double(prediction.confidence),
                                       prediction.topKJSON])
            }
            guard let report else { return }
            for (actual, row) in report.confusion.enumerated() {
                for (predicted, count) in row.enumerated() where count > 0 {
                    try transaction.execute("INSERT INTO confusion (run_id, actual, predicted, count) VALUES (?, ?, ?, ?)",
                                            [runID, report.classes[actual], report.classes[predicted], count])
                }
            }
        }
    }
}
