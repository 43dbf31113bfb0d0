import Foundation
@_exported import GRDB

/// The SQLite database shared by every pipeline: datasets, runs, per-epoch history, final metrics and saved models.
///
/// All methods are synchronous and safe to call from any thread; GRDB serializes writes and lets reads run
/// concurrently thanks to WAL mode. Every failure is thrown as a `StoreError` naming the database file, except that
/// `write` and `read` let errors thrown by the caller's own closure through unchanged.
public final class Store: Sendable {
    public let path: String
    /// The underlying GRDB pool, for pipeline-specific queries.
    public let writer: any DatabaseWriter

    /// The database path: the explicit `--db` value, else `$PLEXUS_DB`, else `./plexus.db`. Empty values count as unset.
    public static func resolvePath(explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["PLEXUS_DB"], !env.isEmpty { return env }
        return "./plexus.db"
    }

    /// Opens the database at `path`, creating it if needed, and applies the shared migrations then `migrations`.
    /// A `DatabasePool` always uses WAL, so `sqlite3` readers never block a training run that is writing. Writes wait
    /// up to 5 s for another process's write to finish (GRDB gives its read connections 10 s).
    public init(path: String, migrations: [StoreMigration] = []) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator(extra: migrations).migrate(pool)
            writer = pool
        } catch {
            throw Store.storeError(error, path: path, context: "cannot open database")
        }
    }

    // MARK: Datasets and runs

    /// Returns the id of the dataset with this name and content hash, inserting it first if it is new,
    /// so re-running a pipeline on unchanged data points at the same row.
    public func registerDataset(name: String, kind: String, source: String, sha256: String, items: Int) throws -> Int64 {
        try perform("register dataset '\(name)'") { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE name = ? AND sha256 = ?",
                                           arguments: [name, sha256]) {
                return id
            }
            try db.execute(sql: """
                INSERT INTO datasets (name, kind, source, sha256, items, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [name, kind, source, sha256, items, Timestamp.now()])
            return db.lastInsertedRowID
        }
    }

    /// Inserts a `running` row and returns its id. The seed is stored by bit pattern since SQLite integers are signed.
    public func startRun(pipeline: String, datasetID: Int64?, config: String, seed: UInt64) throws -> Int64 {
        try perform("start \(pipeline) run") { db in
            try db.execute(sql: """
                INSERT INTO runs (pipeline, dataset_id, config, status, seed, started_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [pipeline, datasetID, config, RunStatus.running, Int64(bitPattern: seed), Timestamp.now()])
            return db.lastInsertedRowID
        }
    }

    /// Sets the run's final status and finish time.
    public func finishRun(runID: Int64, status: RunStatus, error: String?) throws {
        try perform("finish run \(runID)") { db in
            try db.execute(sql: "UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?",
                           arguments: [status, Timestamp.now(), error, runID])
            if db.changesCount == 0 { throw StoreError(path: path, "finish run \(runID): no such run") }
        }
    }

    /// The run with this id, or nil when there is none.
    public func run(id: Int64) throws -> RunRecord? {
        try perform("read run \(id)", write: false) { db in
            try RunRecord.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id])
        }
    }

    // MARK: Training history and results

    /// Records one epoch; `metrics` is stored as a JSON object with sorted keys.
    public func recordEpoch(runID: Int64, epoch: Int, trainLoss: Double, valLoss: Double?, metrics: [String: Double],
                            seconds: Double, learningRate: Double) throws {
        let context = "record epoch \(epoch) of run \(runID)"
        try requireNotNaN([("train_loss", trainLoss), ("val_loss", valLoss), ("seconds", seconds),
                           ("learning_rate", learningRate)], context)
        try perform(context) { db in
            try db.execute(sql: """
                INSERT INTO epochs (run_id, epoch, train_loss, val_loss, metrics, seconds, learning_rate)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [runID, epoch, trainLoss, valLoss, try Store.json(metrics), seconds, learningRate])
        }
    }

    /// Records final metrics for one split ("train", "val", "test"...) in one transaction, replacing earlier values of the same names.
    public func recordMetrics(runID: Int64, split: String, _ values: [String: Double]) throws {
        let context = "record \(split) metrics of run \(runID)"
        try requireNotNaN(values.sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value) }, context)
        try perform(context) { db in
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: """
                    INSERT INTO metrics (run_id, split, name, value) VALUES (?, ?, ?, ?)
                    ON CONFLICT (run_id, split, name) DO UPDATE SET value = excluded.value
                    """, arguments: [runID, split, name, value])
            }
        }
    }

    /// Saves a serialized model under `name`, replacing an earlier one of the same name (e.g. "best" after each improvement).
    public func saveModel(runID: Int64, name: String, format: String, bytes: [UInt8]) throws {
        try perform("save model '\(name)' of run \(runID)") { db in
            try db.execute(sql: """
                INSERT INTO models (run_id, name, format, bytes) VALUES (?, ?, ?, ?)
                ON CONFLICT (run_id, name) DO UPDATE SET format = excluded.format, bytes = excluded.bytes
                """, arguments: [runID, name, format, Data(bytes)])
        }
    }

    /// Loads a model saved by `saveModel`; throws when the run has no model of that name.
    public func loadModel(runID: Int64, name: String) throws -> (format: String, bytes: [UInt8]) {
        let context = "load model '\(name)' of run \(runID)"
        return try perform(context, write: false) { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT format, bytes FROM models WHERE run_id = ? AND name = ?",
                                             arguments: [runID, name]) else {
                throw StoreError(path: path, "\(context): no such model")
            }
            return (try row.decode(forColumn: "format"), [UInt8](try row.decode(Data.self, forColumn: "bytes")))
        }
    }

    // MARK: Raw access

    /// Runs `body` in one write transaction: it commits when `body` returns and rolls back entirely when it throws.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.write(body) } catch let error as DatabaseError {
            throw Store.storeError(error, path: path, context: "write failed")
        }
    }

    /// Runs `body` on a read-only snapshot of the database.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.read(body) } catch let error as DatabaseError {
            throw Store.storeError(error, path: path, context: "read failed")
        }
    }

    // MARK: Helpers

    /// Runs `body` in a transaction and turns any failure into a `StoreError` that says what was being done.
    private func perform<T>(_ context: String, write: Bool = true, _ body: (Database) throws -> T) throws -> T {
        do {
            return write ? try writer.write(body) : try writer.read(body)
        } catch {
            throw Store.storeError(error, path: path, context: context)
        }
    }

    static func storeError(_ error: any Error, path: String, context: String) -> StoreError {
        switch error {
        case let error as StoreError:
            return error
        case let error as DatabaseError:
            // `DatabaseError.description` appends the SQL, which spans lines; the message alone says what failed.
            return StoreError(path: path, "\(context): \(error.message ?? "SQLite error \(error.resultCode.rawValue)")")
        default:
            return StoreError(path: path, "\(context): \(error)")
        }
    }

    /// SQLite silently stores NaN as NULL, which would break NOT NULL columns or pass for "no value", so refuse it up front.
    private func requireNotNaN(_ values: [(name: String, value: Double?)], _ context: String) throws {
        if let name = values.first(where: { $0.value?.isNaN == true })?.name {
            throw StoreError(path: path, "\(context): \(name) is NaN, which SQLite cannot store")
        }
    }

    /// Sorted keys keep the text stable for diffs and `sqlite3` queries; non-finite numbers, which JSON lacks, become strings.
    static func json(_ values: [String: Double]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(values), as: UTF8.self)
    }
}
