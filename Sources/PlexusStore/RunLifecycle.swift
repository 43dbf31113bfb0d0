import Dispatch
import Foundation
internal import GRDB

/// How `Store.withRun` begins: a new row, or an earlier run continued under its own id.
public enum RunStart {
    case new(pipeline: String, datasetID: Int64?, config: String, seed: UInt64)
    /// An `interrupted` or `failed` run, continued from its checkpoint (`train --resume`).
    case resume(runID: Int64)
}

extension Store {
    /// Runs `body` as a recorded run: a `running` row (new, or the resumed one) with this host and pid, a heartbeat
    /// every `RunLiveness.interval` seconds, then one transaction that writes the body's results and marks the run
    /// `completed`; or `failed` (with the error's description) when anything throws, which is rethrown. While `body`
    /// runs, SIGINT and SIGTERM mark the run `interrupted` and exit with 130 / 143.
    public func withRun<T>(_ start: RunStart, _ body: (Int64) throws -> (value: T, results: RunResults)) throws -> T {
        let runID: Int64
        switch start {
        case .new(let pipeline, let datasetID, let config, let seed):
            runID = try startRun(pipeline: pipeline, datasetID: datasetID, config: config, seed: seed)
        case .resume(let id):
            runID = id
            try resumeRun(runID: id)
        }
        let outcome: (value: T, results: RunResults)
        do {
            let signals = try RunGuard { [self] signal in
                report { try markInterrupted(runID: runID, signal: signal) }
                // _exit, not exit: the main thread is still training, and exit() would run library destructors
                // (oneDNN, OpenMP) under its feet. The database is already consistent.
                fflush(stdout)
                _exit(128 + signal)
            }
            defer { signals.restore() }
            let heartbeat = startHeartbeat(runID: runID)
            defer { heartbeat.cancel() }
            outcome = try body(runID)
            try finishRun(runID: runID, status: .completed, error: nil, results: outcome.results)
        } catch {
            // The body's error is the one worth rethrowing. When even the `failed` mark cannot be written, the error
            // says so on the same line: the run will read `interrupted` once the database is opened again.
            do { try markFailed(runID: runID, error: error) } catch let markError {
                throw RunNotMarkedFailed(error: error, markError: markError)
            }
            throw error
        }
        return outcome.value
    }

    /// Marks the run `failed`. A database whose disk filled up during the run has a WAL that can take no more frames;
    /// one checkpoint moves the committed frames into the database file and empties the WAL, which may leave room for
    /// the mark, so the write is tried once more after it.
    private func markFailed(runID: Int64, error: any Error) throws {
        let reason = "\(error)"
        do { try finishRun(runID: runID, status: .failed, error: reason) } catch {
            _ = try? writer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            try finishRun(runID: runID, status: .failed, error: reason)
        }
    }

    /// Inserts a `running` row owned by this process and returns its id. The seed is stored by bit pattern since
    /// SQLite integers are signed.
    public func startRun(pipeline: String, datasetID: Int64?, config: String, seed: UInt64) throws -> Int64 {
        try perform("start \(pipeline) run") { db in
            let now = Timestamp.now()
            try db.execute(sql: """
                INSERT INTO runs (pipeline, dataset_id, config, status, seed, started_at, host, pid, heartbeat_at)
                VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)
                """, arguments: [pipeline, datasetID, config, Int64(bitPattern: seed), now, RunLiveness.host, RunLiveness.pid, now])
            return db.lastInsertedRowID
        }
    }

    /// Makes an `interrupted` or `failed` run `running` again, owned by this process.
    public func resumeRun(runID: Int64) throws {
        try perform("resume run \(runID)") { db in
            try db.execute(sql: """
                UPDATE runs SET status = 'running', finished_at = NULL, error = NULL, host = ?, pid = ?, heartbeat_at = ?
                WHERE id = ? AND status IN ('interrupted', 'failed')
                """, arguments: [RunLiveness.host, RunLiveness.pid, Timestamp.now(), runID])
            if db.changesCount == 0 { throw StoreError(path: path, "run \(runID) is not interrupted or failed: nothing to resume") }
        }
    }

    /// Sets the run's final status and finish time, writing `results` (metrics, models, artifacts, the pipeline's
    /// own rows) in the same transaction: all of it lands or none.
    public func finishRun(runID: Int64, status: RunStatus, error: String?, results: RunResults = RunResults()) throws {
        let context = "finish run \(runID)"
        for (split, values) in results.metrics {
            try requireNotNaN(values.sorted { $0.key < $1.key }.map { ("\(split) metric \($0.key)", $0.value) }, context)
        }
        try perform(context) { db in
            if let config = results.config {
                try db.execute(sql: "UPDATE runs SET config = ? WHERE id = ?", arguments: [config, runID])
            }
            let metric = try db.makeStatement(sql: """
                INSERT INTO metrics (run_id, split, name, value) VALUES (?, ?, ?, ?)
                ON CONFLICT (run_id, split, name) DO UPDATE SET value = excluded.value
                """)
            for (split, values) in results.metrics.sorted(by: { $0.key < $1.key }) {
                for (name, value) in values.sorted(by: { $0.key < $1.key }) { try metric.execute(arguments: [runID, split, name, value]) }
            }
            for model in results.models { try Store.upsert(model, runID: runID, db) }
            let artifact = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO artifacts (run_id, name, kind, media_type, bytes, path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for record in results.artifacts {
                try artifact.execute(arguments: [runID, record.name, record.kind, record.mediaType, record.bytes.map { Data($0) },
                                                 record.path, Timestamp.text(record.createdAt)])
            }
            for write in results.tables { try write(StoreTransaction(database: db)) }
            if status == .completed { Store.commitDelayForTests() }
            try db.execute(sql: "UPDATE runs SET status = ?, finished_at = ?, error = ?, key_metric = coalesce(?, key_metric) WHERE id = ?",
                           arguments: [status.rawValue, Timestamp.now(), error, results.keyMetric, runID])
            if db.changesCount == 0 { throw StoreError(path: path, "\(context): no such run") }
        }
    }

    /// Test hook: with `PLEXUS_TEST_COMMIT_DELAY` set to a number of seconds, a completing run holds its final
    /// transaction open that long, after its results and before its status, and says so on stderr, so that a test
    /// can signal the process at that moment (Tests/PlexusKitTests/SignalDuringCommitTests.swift). Never set otherwise.
    static func commitDelayForTests() {
        guard let text = ProcessInfo.processInfo.environment["PLEXUS_TEST_COMMIT_DELAY"], let seconds = Double(text), seconds > 0 else { return }
        FileHandle.standardError.write(Data("plexus: test hook: final transaction open for \(text) s\n".utf8))
        Thread.sleep(forTimeInterval: seconds)
    }

    /// Records how many processes run the run and on which hosts (`world_size`, `hosts`); a resumed run may have
    /// other ones than when it started.
    public func recordPlacement(runID: Int64, worldSize: Int, hosts: String) throws {
        try perform("record the processes of run \(runID)") { db in
            try db.execute(sql: "UPDATE runs SET world_size = ?, hosts = ? WHERE id = ?", arguments: [worldSize, hosts, runID])
        }
    }

    /// Refreshes the run's `heartbeat_at`.
    public func heartbeat(runID: Int64) throws {
        try perform("heartbeat of run \(runID)") { db in try RunLiveness.beat(runID: runID, db) }
    }

    /// Marks the run `interrupted` with an error naming the signal, e.g. "interrupted by SIGINT", unless it has
    /// already ended: a signal that arrives while the final transaction commits leaves the completed run as it is.
    func markInterrupted(runID: Int64, signal: Int32) throws {
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        try perform("mark run \(runID) interrupted") { db in
            try RunLiveness.markInterrupted(runID: runID, at: Date(), reason: "interrupted by \(name)", db)
        }
    }

    /// A timer that refreshes the heartbeat while long work (data loading, scoring, a long epoch) runs.
    private func startHeartbeat(runID: Int64) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "plexus.store.heartbeat"))
        timer.schedule(deadline: .now() + RunLiveness.interval, repeating: RunLiveness.interval)
        timer.setEventHandler { [self] in report { try heartbeat(runID: runID) } }
        timer.resume()
        return timer
    }

    /// Writes a failure to stderr where there is no caller left to throw it to.
    private func report(_ attempt: () throws -> Void) {
        do { try attempt() } catch {
            FileHandle.standardError.write(Data("plexus: \(error)\n".utf8))
        }
    }
}

/// A run's error when its `failed` mark could not be written either: one line with both.
struct RunNotMarkedFailed: Error, CustomStringConvertible {
    let error: any Error
    let markError: any Error

    var description: String {
        "\(error) (the run could not be marked failed: \(markError); it reads interrupted once the database is opened again)"
    }
}
