import GRDB
import Foundation
import XCTest
@testable import PlexusStore

final class StoreTests: XCTestCase {
    private var directory: URL!
    private var path: String { directory.appendingPathComponent("plexus.db").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("PlexusStoreTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private struct Boom: Error, CustomStringConvertible {
        var description: String { "boom at step 3" }
    }

    private func count(_ store: Store, _ table: String) throws -> Int {
        try store.query { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)")! }
    }

    // MARK: Schema and opening

    func testMigrationsCreateEveryTableAndColumn() throws {
        let store = try Store(path: path)
        let expected: [String: [String]] = [
            "datasets": ["id INTEGER", "name TEXT", "kind TEXT", "source TEXT", "sha256 TEXT", "items INTEGER",
                         "created_at TEXT"],
            "runs": ["id INTEGER", "pipeline TEXT", "dataset_id INTEGER", "config TEXT", "status TEXT", "seed INTEGER",
                     "started_at TEXT", "finished_at TEXT", "error TEXT", "host TEXT", "pid INTEGER", "heartbeat_at TEXT",
                     "key_metric TEXT", "world_size INTEGER", "hosts TEXT"],
            "epochs": ["run_id INTEGER", "epoch INTEGER", "train_loss REAL", "val_loss REAL", "metrics TEXT",
                       "seconds REAL", "learning_rate REAL"],
            "metrics": ["run_id INTEGER", "split TEXT", "name TEXT", "value REAL"],
            "models": ["run_id INTEGER", "name TEXT", "format TEXT", "bytes BLOB", "card TEXT"],
            "artifacts": ["run_id INTEGER", "name TEXT", "kind TEXT", "media_type TEXT", "bytes BLOB", "path TEXT", "created_at TEXT"],
        ]
        try store.query { db in
            for (table, columns) in expected {
                let rows = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))")
                XCTAssertEqual(rows.map { "\($0["name"] as String) \($0["type"] as String)" }, columns, table)
            }
            let nullable = try String.fetchAll(db, sql: """
                SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
                WHERE m.type = 'table' AND m.name IN ('datasets', 'runs', 'epochs', 'metrics', 'models', 'artifacts')
                  AND p."notnull" = 0 AND p.pk = 0 ORDER BY 1
                """)
            XCTAssertEqual(nullable, ["artifacts.bytes", "artifacts.path", "epochs.val_loss", "models.card", "runs.dataset_id", "runs.error",
                                      "runs.finished_at", "runs.heartbeat_at", "runs.host", "runs.hosts", "runs.key_metric", "runs.pid"])
            let keys = try String.fetchAll(db, sql: """
                SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
                WHERE m.type = 'table' AND p.pk > 0 AND m.name IN ('datasets', 'runs', 'epochs', 'metrics', 'models', 'artifacts')
                ORDER BY m.name, p.pk
                """)
            XCTAssertEqual(keys, ["artifacts.run_id", "artifacts.name", "datasets.id", "epochs.run_id", "epochs.epoch", "metrics.run_id", "metrics.split",
                                  "metrics.name", "models.run_id", "models.name", "runs.id"])
        }
    }

    func testReopeningKeepsDataAndRunsNoMigrationTwice() throws {
        let counting = StoreMigration("test-counter", sql: """
            CREATE TABLE counter (n INTEGER NOT NULL);
            INSERT INTO counter (n) VALUES (1);
            """)
        let datasetID = try Store(path: path, migrations: [counting])
            .registerDataset(name: "iris", kind: "csv", source: "data/iris.csv", sha256: "abc", items: 150)
        let reopened = try Store(path: path, migrations: [counting])
        _ = try Store(path: path, migrations: [counting])
        XCTAssertEqual(try count(reopened, "counter"), 1)
        XCTAssertEqual(try reopened.query { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") },
                       ["v1-shared", "v2-lifecycle", "v3-distributed", "v4-browse-indexes", "test-counter"])
        XCTAssertEqual(try reopened.registerDataset(name: "iris", kind: "csv", source: "data/iris.csv", sha256: "abc",
                                                    items: 150), datasetID)
    }

    func testPipelinesWithDifferentMigrationsShareOneDatabase() throws {
        _ = try Store(path: path, migrations: [StoreMigration("forecast-v1", sql: "CREATE TABLE forecasts (x REAL)")])
        let store = try Store(path: path, migrations: [StoreMigration("classify-v1") { db in
            try db.create(table: "predictions") { t in t.column("label", .text) }
        }])
        let tables = try store.query { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        XCTAssertTrue(tables.contains("forecasts"), "\(tables)")
        XCTAssertTrue(tables.contains("predictions"), "\(tables)")
    }

    func testExtraMigrationAddsTable() throws {
        let store = try Store(path: path, migrations: [StoreMigration("anomaly-v1", sql: """
            CREATE TABLE anomaly_scores (run_id INTEGER NOT NULL REFERENCES runs(id), item INTEGER NOT NULL, score REAL NOT NULL)
            """)])
        let columns = try store.query { db in
            try Row.fetchAll(db, sql: "PRAGMA table_info(anomaly_scores)").map { $0["name"] as String }
        }
        XCTAssertEqual(columns, ["run_id", "item", "score"])
    }

    func testDuplicateMigrationIdentifierIsAnError() {
        XCTAssertThrowsError(try Store(path: path, migrations: [StoreMigration("v1-shared", sql: "SELECT 1")])) { error in
            XCTAssertEqual("\(error)", "\(path): cannot open database: migration 'v1-shared' is registered twice")
        }
    }

    func testWALModeBusyTimeoutAndForeignKeys() throws {
        let store = try Store(path: path)
        try store.query { db in
            XCTAssertEqual(try String.fetchOne(db, sql: "PRAGMA journal_mode"), "wal")
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA foreign_keys"), 1)
        }
        try store.writer.write { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA busy_timeout"), 5000)
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA foreign_keys"), 1)
        }
        XCTAssertThrowsError(try store.startRun(pipeline: "forecast", datasetID: 42, config: "{}", seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("FOREIGN KEY constraint failed"), "\(error)")
        }
    }

    func testOpenFailureNamesThePath() {
        let missing = directory.appendingPathComponent("no/such/dir/plexus.db").path
        XCTAssertThrowsError(try Store(path: missing)) { error in
            XCTAssertTrue(error is StoreError)
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("\(missing): cannot open database: "), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    func testResolvePathPrecedence() {
        let saved = ProcessInfo.processInfo.environment["PLEXUS_DB"]
        defer {
            if let saved { setenv("PLEXUS_DB", saved, 1) } else { unsetenv("PLEXUS_DB") }
        }
        unsetenv("PLEXUS_DB")
        XCTAssertEqual(Store.resolvePath(explicit: nil), "./plexus.db")
        XCTAssertEqual(Store.resolvePath(explicit: "a.db"), "a.db")
        setenv("PLEXUS_DB", "/tmp/env.db", 1)
        XCTAssertEqual(Store.resolvePath(explicit: nil), "/tmp/env.db")
        XCTAssertEqual(Store.resolvePath(explicit: "a.db"), "a.db")
        XCTAssertEqual(Store.resolvePath(explicit: ""), "/tmp/env.db")
    }

    // MARK: Transactions and runs

    func testWriteThatThrowsMidwayLeavesNoRows() throws {
        let store = try Store(path: path)
        XCTAssertThrowsError(try store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO datasets (name, kind, source, sha256, items, created_at) VALUES ('a', 'csv', 'a.csv', 'x', 1, 'now')
                """)
            try db.execute(sql: """
                INSERT INTO runs (pipeline, config, status, seed, started_at) VALUES ('forecast', '{}', 'running', 1, 'now')
                """)
            throw Boom()
        }) { error in
            XCTAssertTrue(error is Boom, "the body's own error passes through: \(error)")
        }
        XCTAssertEqual(try count(store, "datasets"), 0)
        XCTAssertEqual(try count(store, "runs"), 0)
    }

    func testWithRunMarksCompleted() throws {
        let store = try Store(path: path)
        var seenID: Int64?
        let value = try store.withRun(.new(pipeline: "forecast", datasetID: nil, config: #"{"lr":0.1}"#, seed: 7)) { id in
            seenID = id
            let running = try XCTUnwrap(store.run(id: id))
            XCTAssertEqual(running.status, .running)
            XCTAssertEqual(running.pid, getpid())
            XCTAssertEqual(running.host, ProcessInfo.processInfo.hostName)
            XCTAssertNotNil(running.heartbeatAt)
            return ("trained", RunResults())
        }
        XCTAssertEqual(value, "trained")
        let run = try XCTUnwrap(store.run(id: try XCTUnwrap(seenID)))
        XCTAssertEqual(run.status, .completed)
        XCTAssertEqual(run.pipeline, "forecast")
        XCTAssertEqual(run.config, #"{"lr":0.1}"#)
        XCTAssertEqual(run.seed, 7)
        XCTAssertNil(run.error)
        XCTAssertNotNil(run.finishedAt)
        XCTAssertGreaterThanOrEqual(run.finishedAt!, run.startedAt)
    }

    func testWithRunMarksFailedAndRethrows() throws {
        let store = try Store(path: path)
        var seenID: Int64?
        XCTAssertThrowsError(try store.withRun(.new(pipeline: "classify", datasetID: nil, config: "{}", seed: 1)) { id -> (value: Int, results: RunResults) in
            seenID = id
            throw Boom()
        }) { error in
            XCTAssertTrue(error is Boom, "\(error)")
        }
        let run = try XCTUnwrap(store.run(id: try XCTUnwrap(seenID)))
        XCTAssertEqual(run.status, .failed)
        XCTAssertEqual(run.error, "boom at step 3")
        XCTAssertNotNil(run.finishedAt)
    }

    func testWithRunRestoresDefaultSignalHandlers() throws {
        // Start from the default handlers: other tests in this process (Hummingbird's service lifecycle in the UI
        // tests) may leave SIGINT and SIGTERM ignored, and withRun restores whatever it found.
        let previous = (signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL))
        defer { signal(SIGINT, previous.0); signal(SIGTERM, previous.1) }
        let store = try Store(path: path)
        try store.withRun(.new(pipeline: "cluster", datasetID: nil, config: "{}", seed: 1)) { _ in
            XCTAssertFalse(Self.hasDefaultHandler(SIGINT), "SIGINT is caught during the run")
            XCTAssertFalse(Self.hasDefaultHandler(SIGTERM), "SIGTERM is caught during the run")
            return ((), RunResults())
        }
        XCTAssertTrue(Self.hasDefaultHandler(SIGINT))
        XCTAssertTrue(Self.hasDefaultHandler(SIGTERM))
    }

    /// Reads the installed handler by swapping it out and back, since `signal` is the only portable query.
    /// C function pointers are not Equatable in Swift, so compare their addresses.
    private static func hasDefaultHandler(_ signalNumber: Int32) -> Bool {
        let handler = signal(signalNumber, SIG_DFL)
        signal(signalNumber, handler)
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_DFL, to: Int.self)
    }

    func testMarkInterrupted() throws {
        let store = try Store(path: path)
        let first = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)
        let second = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)
        try store.markInterrupted(runID: first, signal: SIGINT)
        try store.markInterrupted(runID: second, signal: SIGTERM)
        let run = try XCTUnwrap(store.run(id: first))
        XCTAssertEqual(run.status, .interrupted)
        XCTAssertEqual(run.error, "interrupted by SIGINT")
        XCTAssertNotNil(run.finishedAt)
        XCTAssertEqual(try store.run(id: second)?.error, "interrupted by SIGTERM")
        let finished = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)
        try store.finishRun(runID: finished, status: .completed, error: nil)
        try store.markInterrupted(runID: finished, signal: SIGTERM)
        XCTAssertEqual(try store.run(id: finished)?.status, .completed, "a signal after the final commit changes nothing")
    }

    func testFinishingAnUnknownRunIsAnError() throws {
        let store = try Store(path: path)
        XCTAssertNil(try store.run(id: 99))
        XCTAssertThrowsError(try store.finishRun(runID: 99, status: .completed, error: nil)) { error in
            XCTAssertEqual("\(error)", "\(path): finish run 99: no such run")
        }
    }

    func testSeedAndTimestampsRoundTrip() throws {
        let store = try Store(path: path)
        let id = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: UInt64.max)
        XCTAssertEqual(try store.run(id: id)?.seed, UInt64.max)
        let high = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1 << 63)
        XCTAssertEqual(try store.run(id: high)?.seed, 1 << 63)
        let row = try XCTUnwrap(store.query { db in
            try Row.fetchOne(db, sql: "SELECT seed, typeof(seed) AS type, started_at FROM runs WHERE id = ?", arguments: [id])
        })
        XCTAssertEqual(row["seed"] as Int64, -1)
        XCTAssertEqual(row["type"] as String, "integer")
        let startedAt: String = row["started_at"]
        XCTAssertNotNil(startedAt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression), startedAt)
    }

    // MARK: Datasets, epochs, metrics, models

    func testDatasetDedupByNameAndHash() throws {
        let store = try Store(path: path)
        let first = try store.registerDataset(name: "sales", kind: "csv", source: "sales.csv", sha256: "aa", items: 10)
        let again = try store.registerDataset(name: "sales", kind: "csv", source: "copy/sales.csv", sha256: "aa", items: 10)
        let changed = try store.registerDataset(name: "sales", kind: "csv", source: "sales.csv", sha256: "bb", items: 11)
        let renamed = try store.registerDataset(name: "sales-2", kind: "csv", source: "sales.csv", sha256: "aa", items: 10)
        XCTAssertEqual(first, again)
        XCTAssertEqual(Set([first, changed, renamed]).count, 3)
        XCTAssertEqual(try count(store, "datasets"), 3)
        let run = try store.startRun(pipeline: "forecast", datasetID: first, config: "{}", seed: 1)
        XCTAssertEqual(try store.run(id: run)?.datasetID, first)
    }

    func testRecordEpoch() throws {
        let store = try Store(path: path)
        let run = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)
        try store.recordEpoch(runID: run, epoch: 1, trainLoss: 0.5, valLoss: nil, metrics: ["mae": 0.25, "acc": 0.75],
                              seconds: 1.5, learningRate: 0.01)
        try store.recordEpoch(runID: run, epoch: 2, trainLoss: 0.4, valLoss: 0.45, metrics: [:], seconds: 1.25,
                              learningRate: 0.005)
        let rows = try store.query { db in
            try Row.fetchAll(db, sql: "SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch", arguments: [run])
        }
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0]["metrics"] as String, #"{"acc":0.75,"mae":0.25}"#)
        XCTAssertTrue(rows[0]["val_loss"] as DatabaseValue == .null)
        XCTAssertEqual(rows[1]["val_loss"] as Double, 0.45)
        XCTAssertEqual(rows[1]["metrics"] as String, "{}")
        XCTAssertEqual(rows[1]["learning_rate"] as Double, 0.005)

        // A resumed run records the epochs after its checkpoint again: the newer row replaces the older.
        try store.recordEpoch(runID: run, epoch: 2, trainLoss: 0.3, valLoss: nil, metrics: [:], seconds: 1, learningRate: 0.1)
        XCTAssertEqual(try store.query { try Double.fetchOne($0, sql: "SELECT train_loss FROM epochs WHERE epoch = 2") }, 0.3)
        try store.discardEpochs(runID: run, after: 1)
        XCTAssertEqual(try count(store, "epochs"), 1)
        XCTAssertThrowsError(try store.recordEpoch(runID: run, epoch: 3, trainLoss: .nan, valLoss: nil, metrics: [:],
                                                   seconds: 1, learningRate: 0.1)) { error in
            XCTAssertEqual("\(error)", "\(path): record epoch 3 of run \(run): train_loss is NaN, which SQLite cannot store")
        }
        try store.recordEpoch(runID: run, epoch: 2, trainLoss: 0.4, valLoss: 0.45, metrics: [:], seconds: 1.25, learningRate: 0.005)
        try store.recordEpoch(runID: run, epoch: 3, trainLoss: .infinity, valLoss: nil,
                              metrics: ["precision": .nan, "ratio": -.infinity], seconds: 1, learningRate: 0.1)
        let third = try XCTUnwrap(store.query { db in
            try Row.fetchOne(db, sql: "SELECT train_loss, metrics FROM epochs WHERE run_id = ? AND epoch = 3", arguments: [run])
        })
        XCTAssertEqual(third["train_loss"] as Double, .infinity)
        XCTAssertEqual(third["metrics"] as String, #"{"precision":"NaN","ratio":"-Infinity"}"#)
    }

    func testFinishRunWritesMetricsAndUpserts() throws {
        let store = try Store(path: path)
        let run = try store.startRun(pipeline: "classify", datasetID: nil, config: "{}", seed: 1)
        var results = RunResults()
        results.metrics = ["test": ["accuracy": 0.8, "f1": 0.7], "val": ["accuracy": 0.9]]
        results.keyMetric = "test/accuracy"
        try store.finishRun(runID: run, status: .completed, error: nil, results: results)
        results.metrics = ["test": ["accuracy": 0.85, "recall": 0.6]]
        try store.finishRun(runID: run, status: .completed, error: nil, results: results)
        XCTAssertEqual(try store.keyMetric(runID: run)?.value, 0.85)
        XCTAssertEqual(try store.metrics(runID: run, split: "val"), ["accuracy": 0.9])
        let rows = try store.query { db in
            try Row.fetchAll(db, sql: "SELECT split, name, value FROM metrics ORDER BY split, name")
                .map { "\($0["split"] as String) \($0["name"] as String) \($0["value"] as Double)" }
        }
        XCTAssertEqual(rows, ["test accuracy 0.85", "test f1 0.7", "test recall 0.6", "val accuracy 0.9"])
        results.metrics = ["test": ["auc": 0.5, "loss": .nan]]
        XCTAssertThrowsError(try store.finishRun(runID: run, status: .completed, error: nil, results: results)) { error in
            XCTAssertEqual("\(error)", "\(path): finish run \(run): test metric loss is NaN, which SQLite cannot store")
        }
        XCTAssertEqual(try count(store, "metrics"), 4, "a rejected batch writes nothing")
    }

    func testModelBytesRoundTripAndUpsert() throws {
        let store = try Store(path: path)
        let run = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try store.saveModel(runID: run, StoredModel(name: "best", bytes: bytes, card: #"{"pipeline":"forecast"}"#))
        let loaded = try store.loadModel(runID: run, name: "best")
        XCTAssertEqual(loaded.format, "safetensors")
        XCTAssertEqual(loaded.bytes, bytes)
        XCTAssertEqual(loaded.card, #"{"pipeline":"forecast"}"#)

        try store.saveModel(runID: run, StoredModel(name: "best", format: "plexus-v2", bytes: [1, 2, 3], card: nil))
        XCTAssertEqual(try store.loadModel(runID: run, name: "best").bytes, [1, 2, 3])
        XCTAssertEqual(try store.loadModel(runID: run, name: "best").format, "plexus-v2")
        XCTAssertEqual(try count(store, "models"), 1)

        try store.saveModel(runID: run, StoredModel(name: "empty", bytes: [], card: nil))
        XCTAssertEqual(try store.loadModel(runID: run, name: "empty").bytes, [])
        XCTAssertEqual(try store.query { db in
            try String.fetchOne(db, sql: "SELECT typeof(bytes) FROM models WHERE name = 'empty'")
        }, "blob")

        XCTAssertThrowsError(try store.loadModel(runID: run, name: "last")) { error in
            XCTAssertEqual("\(error)", "\(path): load model 'last' of run \(run): no such model")
        }
    }

    func testDeletingARunCascades() throws {
        let store = try Store(path: path)
        let run = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)
        try store.recordEpoch(runID: run, epoch: 1, trainLoss: 1, valLoss: nil, metrics: [:], seconds: 1, learningRate: 0.1)
        var results = RunResults()
        results.metrics = ["test": ["mae": 1]]
        results.models = [StoredModel(name: "last", bytes: [0], card: nil)]
        results.artifacts = [ArtifactRecord(name: "loss.svg", kind: "chart", mediaType: "image/svg+xml", bytes: [1], path: nil)]
        try store.finishRun(runID: run, status: .completed, error: nil, results: results)
        try store.writer.write { db in try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [run]) }
        for table in ["epochs", "metrics", "models", "artifacts"] {
            XCTAssertEqual(try count(store, table), 0, table)
        }
    }
}
