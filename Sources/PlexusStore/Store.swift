import Foundation
package import GRDB

/// The SQLite database shared by every pipeline: datasets, runs, per-epoch history, final metrics, models with
/// their cards, and artifacts.
///
/// All methods are synchronous and safe to call from any thread; GRDB serializes writes and lets reads run
/// concurrently thanks to WAL mode. Every failure is thrown as a `StoreError` naming the database file, except that
/// `write` and `read` let errors thrown by the caller's own closure through unchanged. Opening a store also
/// reconciles it: runs left `running` by a process that is gone are marked `interrupted` (see `reconciled`).
public final class Store: Sendable {
    public let path: String
    /// The GRDB pool: inside the package only (tests query through `query`); pipelines use `write`, `read` and
    /// the typed methods.
    package let writer: any DatabaseWriter
    /// The runs this opening found dead and marked `interrupted`.
    public let reconciled: [ReconciledRun]

    /// Set by a process that must not touch the shared database: a worker rank of an `mpirun` job, which trains in
    /// step with rank 0 while rank 0 alone records the run. Every path then resolves to this scratch file.
    nonisolated(unsafe) public static var scratchPath: String?

    /// The database path: the explicit `--db` value, else `$PLEXUS_DB`, else `./plexus.db` (`scratchPath` before
    /// all of them when set). Empty values count as unset.
    public static func resolvePath(explicit: String?) -> String {
        if let scratchPath { return scratchPath }
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["PLEXUS_DB"], !env.isEmpty { return env }
        return "./plexus.db"
    }

    /// Opens the database at `path`, creating it if needed, applies the shared migrations then `migrations`, and
    /// reconciles runs whose process is gone. A `DatabasePool` always uses WAL, so `sqlite3` readers never block a
    /// training run that is writing. Writes wait up to 5 s for another process's write to finish.
    public init(path: String, migrations: [StoreMigration] = []) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Store.migrate(pool, Schema.migrator(extra: migrations))
            writer = pool
            reconciled = try RunLiveness.reconcile(pool)
        } catch {
            throw Store.storeError(error, path: path, context: "cannot open database")
        }
    }

    /// Opens an existing database for reading only, as `plexus ui` does: SQLite opens the file read-only and
    /// `query_only` refuses any write, so nothing is migrated or reconciled and the file stays byte for byte as it
    /// was. WAL lets it read while a training run writes.
    public init(readOnly path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA query_only = ON") }
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(path: path, "cannot open database: no such file")
        }
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
            reconciled = []
        } catch {
            throw Store.storeError(error, path: path, context: "cannot open database read-only")
        }
    }

    /// Applies the migrations not applied yet. Several commands started at once on a new database race to apply the
    /// same one: the loser's transaction fails ("duplicate column name") and rolls back, and its next try finds the
    /// migration applied by the winner.
    private static func migrate(_ pool: DatabasePool, _ migrator: DatabaseMigrator) throws {
        for attempt in 1... {
            do { return try migrator.migrate(pool) } catch where attempt < 5 {
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    // MARK: Datasets

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

    /// The dataset's name, or nil when there is no such row.
    public func datasetName(id: Int64) throws -> String? {
        try perform("read dataset \(id)", write: false) { db in
            try String.fetchOne(db, sql: "SELECT name FROM datasets WHERE id = ?", arguments: [id])
        }
    }

    // MARK: Runs

    /// The run with this id, or nil when there is none.
    public func run(id: Int64) throws -> RunRecord? {
        try perform("read run \(id)", write: false) { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(RunRecord.init(row:))
        }
    }

    /// The newest runs first, at most `limit`, optionally of one pipeline and status.
    public func runs(pipeline: String? = nil, status: RunStatus? = nil, limit: Int = 50) throws -> [RunRecord] {
        try perform("list runs", write: false) { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM runs WHERE (?1 IS NULL OR pipeline = ?1) AND (?2 IS NULL OR status = ?2) ORDER BY id DESC LIMIT ?3
                """, arguments: [pipeline, status?.rawValue, limit]).map(RunRecord.init(row:))
        }
    }

    /// The value of the run's key metric (`runs.key_metric`, "split/name"), with its name.
    public func keyMetric(runID: Int64) throws -> (name: String, value: Double)? {
        try perform("read key metric of run \(runID)", write: false) { db in
            guard let key = try String.fetchOne(db, sql: "SELECT key_metric FROM runs WHERE id = ?", arguments: [runID]),
                  let slash = key.firstIndex(of: "/") else { return nil }
            let split = String(key[..<slash]), name = String(key[key.index(after: slash)...])
            return try Double.fetchOne(db, sql: "SELECT value FROM metrics WHERE run_id = ? AND split = ? AND name = ?",
                                       arguments: [runID, split, name]).map { (name, $0) }
        }
    }

    // MARK: Training history and checkpoints

    /// Records one epoch and refreshes the run's heartbeat, with the checkpoint taken after it in the same
    /// transaction (so the last epoch recorded is always the one a resume continues after); `metrics` is stored as a
    /// JSON object with sorted keys. A resumed run re-records the epochs after its checkpoint, so an epoch replaces
    /// one of the same number.
    public func recordEpoch(runID: Int64, epoch: Int, trainLoss: Double, valLoss: Double?, metrics: [String: Double],
                            seconds: Double, learningRate: Double, checkpoint: StoredModel? = nil) throws {
        let context = "record epoch \(epoch) of run \(runID)"
        try requireNotNaN([("train_loss", trainLoss), ("val_loss", valLoss), ("seconds", seconds),
                           ("learning_rate", learningRate)], context)
        try perform(context) { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO epochs (run_id, epoch, train_loss, val_loss, metrics, seconds, learning_rate)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [runID, epoch, trainLoss, valLoss, try Store.json(metrics), seconds, learningRate])
            if let checkpoint { try Store.upsert(checkpoint, runID: runID, db) }
            try RunLiveness.beat(runID: runID, db)
        }
    }

    /// Drops the epochs after `epoch`: a resumed run continues from its checkpoint, not from its last recorded epoch.
    public func discardEpochs(runID: Int64, after epoch: Int) throws {
        try perform("discard epochs of run \(runID)") { db in
            try db.execute(sql: "DELETE FROM epochs WHERE run_id = ? AND epoch > ?", arguments: [runID, epoch])
        }
    }

    /// Saves a model now, replacing one of the same name: the training checkpoint after each epoch. Final models go
    /// through `finishRun`'s results instead.
    public func saveModel(runID: Int64, _ model: StoredModel) throws {
        try perform("save model '\(model.name)' of run \(runID)") { db in try Store.upsert(model, runID: runID, db) }
    }

    /// Loads a model saved by `saveModel` or a run's results; throws when the run has no model of that name.
    public func loadModel(runID: Int64, name: String) throws -> StoredModel {
        let context = "load model '\(name)' of run \(runID)"
        return try perform(context, write: false) { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT format, bytes, card FROM models WHERE run_id = ? AND name = ?",
                                             arguments: [runID, name]) else {
                throw StoreError(path: path, "\(context): no such model")
            }
            return StoredModel(name: name, format: try row.decode(forColumn: "format"),
                               bytes: [UInt8](try row.decode(Data.self, forColumn: "bytes")), card: try row.decode(forColumn: "card"))
        }
    }

    /// The names of the run's models.
    public func modelNames(runID: Int64) throws -> [String] {
        try perform("list models of run \(runID)", write: false) { db in
            try String.fetchAll(db, sql: "SELECT name FROM models WHERE run_id = ? ORDER BY name", arguments: [runID])
        }
    }

    /// The run's final metrics of one split.
    public func metrics(runID: Int64, split: String) throws -> [String: Double] {
        try perform("read metrics of run \(runID)", write: false) { db in
            var values: [String: Double] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM metrics WHERE run_id = ? AND split = ?", arguments: [runID, split]) {
                values[row["name"]] = row["value"]
            }
            return values
        }
    }

    /// The run's artifacts, by name.
    public func artifacts(runID: Int64) throws -> [ArtifactRecord] {
        try perform("read artifacts of run \(runID)", write: false) { db in
            try Row.fetchAll(db, sql: "SELECT * FROM artifacts WHERE run_id = ? ORDER BY name", arguments: [runID]).map { row in
                ArtifactRecord(name: row["name"], kind: row["kind"], mediaType: row["media_type"],
                               bytes: (row["bytes"] as Data?).map { [UInt8]($0) }, path: row["path"],
                               createdAt: try Timestamp.parse(row["created_at"]))
            }
        }
    }

    // MARK: Pipelines' own tables

    /// Runs `body` in one write transaction: it commits when `body` returns and rolls back entirely when it throws.
    public func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do { return try writer.write { try body(StoreTransaction(database: $0)) } } catch let error as DatabaseError {
            throw Store.storeError(error, path: path, context: "write failed")
        }
    }

    /// Runs `body` on a read-only snapshot of the database.
    public func read<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do { return try writer.read { try body(StoreTransaction(database: $0)) } } catch let error as DatabaseError {
            throw Store.storeError(error, path: path, context: "read failed")
        }
    }

    /// Raw GRDB access for the package's tests, which check what landed with plain SQL.
    package func query<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }

    // MARK: Helpers

    /// Runs `body` in a transaction and turns any failure into a `StoreError` that says what was being done.
    func perform<T>(_ context: String, write: Bool = true, _ body: (Database) throws -> T) throws -> T {
        do {
            return write ? try writer.write(body) : try writer.read(body)
        } catch {
            throw Store.storeError(error, path: path, context: context)
        }
    }

    static func upsert(_ model: StoredModel, runID: Int64, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO models (run_id, name, format, bytes, card) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (run_id, name) DO UPDATE SET format = excluded.format, bytes = excluded.bytes, card = excluded.card
            """, arguments: [runID, model.name, model.format, Data(model.bytes), model.card])
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
    func requireNotNaN(_ values: [(name: String, value: Double?)], _ context: String) throws {
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
