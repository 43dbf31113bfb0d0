import Foundation
import GRDB
import XCTest
@testable import PlexusStore

/// The run lifecycle: liveness (host, pid, heartbeat) and reconciliation, results in one transaction, artifacts,
/// resume, and databases made before the lifecycle existed.
final class LifecycleTests: XCTestCase {
    private var directory: URL!
    private var path: String { directory.appendingPathComponent("plexus.db").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("LifecycleTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    /// A `running` row as another process would have left it.
    private func insertRunning(_ store: Store, host: String, pid: Int32, heartbeat: Date) throws -> Int64 {
        try store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO runs (pipeline, config, status, seed, started_at, host, pid, heartbeat_at)
                VALUES ('forecast', '{}', 'running', 1, ?, ?, ?, ?)
                """, arguments: [Timestamp.text(heartbeat), host, pid, Timestamp.text(heartbeat)])
            return db.lastInsertedRowID
        }
    }

    private func endedProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    func testRunOfAProcessThatDiedIsInterruptedByTheNextOpen() throws {
        let store = try Store(path: path)
        let dead = try insertRunning(store, host: RunLiveness.host, pid: try endedProcessID(), heartbeat: Date())
        // A live process is asked, not its heartbeat: stopped with Ctrl-Z for an hour, it is still running.
        let alive = try insertRunning(store, host: RunLiveness.host, pid: getppid(), heartbeat: Date().addingTimeInterval(-3600))
        let mine = try insertRunning(store, host: RunLiveness.host, pid: getpid(), heartbeat: Date())

        let reopened = try Store(path: path)
        XCTAssertEqual(reopened.reconciled.map(\.id), [dead])
        let run = try XCTUnwrap(reopened.run(id: dead))
        XCTAssertEqual(run.status, .interrupted)
        XCTAssertTrue(run.error?.contains("ended without finishing the run") == true, run.error ?? "")
        XCTAssertNotNil(run.finishedAt)
        XCTAssertEqual(try reopened.run(id: alive)?.status, .running)
        XCTAssertEqual(try reopened.run(id: mine)?.status, .running)
        XCTAssertTrue(try Store(path: path).reconciled.isEmpty, "reconciled once")
    }

    func testSilentRunOnAnotherHostIsInterruptedAfterTheLimit() throws {
        let store = try Store(path: path)
        let stale = try insertRunning(store, host: "elsewhere", pid: 1, heartbeat: Date().addingTimeInterval(-RunLiveness.limit - 60))
        let fresh = try insertRunning(store, host: "elsewhere", pid: 1, heartbeat: Date().addingTimeInterval(-60))
        let reopened = try Store(path: path)
        XCTAssertEqual(reopened.reconciled.map(\.id), [stale])
        XCTAssertTrue(reopened.reconciled[0].reason.hasPrefix("no heartbeat for"), reopened.reconciled[0].reason)
        XCTAssertEqual(try reopened.run(id: fresh)?.status, .running)
    }

    func testEpochsAndHeartbeatsRefreshTheHeartbeat() throws {
        let store = try Store(path: path)
        let run = try insertRunning(store, host: "elsewhere", pid: 1, heartbeat: Date().addingTimeInterval(-3600))
        try store.recordEpoch(runID: run, epoch: 1, trainLoss: 1, valLoss: nil, metrics: [:], seconds: 1, learningRate: 0.1)
        let afterEpoch = try XCTUnwrap(store.run(id: run)?.heartbeatAt)
        XCTAssertLessThan(Date().timeIntervalSince(afterEpoch), 60)
        try store.writer.write { try $0.execute(sql: "UPDATE runs SET heartbeat_at = '2020-01-01T00:00:00Z'") }
        try store.heartbeat(runID: run)
        XCTAssertLessThan(Date().timeIntervalSince(try XCTUnwrap(store.run(id: run)?.heartbeatAt)), 60)
    }

    func testResultsLandWithTheStatusOrNotAtAll() throws {
        struct Full: Error {}
        let store = try Store(path: path, migrations: [StoreMigration("test-rows", sql: "CREATE TABLE rows (run_id INTEGER, n INTEGER)")])
        let run = try store.startRun(pipeline: "classify", datasetID: nil, config: "{}", seed: 1)
        var results = RunResults()
        results.metrics = ["test": ["accuracy": 0.9]]
        results.models = [StoredModel(name: "model", bytes: [1, 2], card: "{}")]
        results.artifacts = [ArtifactRecord(name: "a.svg", kind: "chart", mediaType: "image/svg+xml", bytes: Array("<svg/>".utf8), path: "/x/a.svg")]
        results.config = #"{"learned":true}"#
        results.tables = [{ try $0.execute("INSERT INTO rows (run_id, n) VALUES (?, ?)", [run, 1]) }, { _ in throw Full() }]
        XCTAssertThrowsError(try store.finishRun(runID: run, status: .completed, error: nil, results: results))
        for table in ["metrics", "models", "artifacts", "rows"] { XCTAssertEqual(try store.query { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") }, 0, table) }
        XCTAssertEqual(try store.run(id: run)?.status, .running)
        XCTAssertEqual(try store.run(id: run)?.config, "{}")

        results.tables.removeLast()
        try store.finishRun(runID: run, status: .completed, error: nil, results: results)
        XCTAssertEqual(try store.run(id: run)?.status, .completed)
        XCTAssertEqual(try store.run(id: run)?.config, #"{"learned":true}"#)
        XCTAssertEqual(try store.read { try $0.value(Int.self, "SELECT n FROM rows WHERE run_id = ?", [run]) }, 1)
        let artifact = try XCTUnwrap(store.artifacts(runID: run).first)
        XCTAssertEqual(artifact.bytes, Array("<svg/>".utf8))
        XCTAssertEqual(artifact.path, "/x/a.svg")
        XCTAssertEqual(artifact.mediaType, "image/svg+xml")
    }

    func testResumeTakesOverAnInterruptedRunOnly() throws {
        let store = try Store(path: path)
        let run = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)
        XCTAssertThrowsError(try store.resumeRun(runID: run)) { error in
            XCTAssertEqual("\(error)", "\(path): run \(run) is not interrupted or failed: nothing to resume")
        }
        try store.markInterrupted(runID: run, signal: SIGTERM)
        let value = try store.withRun(.resume(runID: run)) { id in
            XCTAssertEqual(id, run)
            let resumed = try XCTUnwrap(store.run(id: id))
            XCTAssertEqual(resumed.status, .running)
            XCTAssertNil(resumed.error)
            XCTAssertEqual(resumed.pid, getpid())
            return (7, RunResults())
        }
        XCTAssertEqual(value, 7)
        XCTAssertEqual(try store.run(id: run)?.status, .completed)
    }

    /// A failed run whose `failed` mark cannot be written (here its row is gone) throws one line with both errors.
    func testFailureThatCannotBeMarkedSaysSoInOneLine() throws {
        struct BodyError: Error, CustomStringConvertible { var description: String { "the body failed" } }
        let store = try Store(path: path)
        XCTAssertThrowsError(try store.withRun(.new(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)) { id -> (Int, RunResults) in
            try store.writer.write { try $0.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [id]) }
            throw BodyError()
        }) { error in
            XCTAssertEqual("\(error)", "the body failed (the run could not be marked failed: \(path): finish run 1: no such run; "
                           + "it reads interrupted once the database is opened again)")
        }
    }

    /// A database written by the Plexus of before the lifecycle (committed as a fixture: a completed demo, a
    /// completed forecast, and a demo killed with `kill -9` mid-training) opens, migrates and keeps every row.
    func testDatabaseFromBeforeTheLifecycleMigratesWithoutLoss() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/plexus-v1.db")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        let tables = ["datasets", "runs", "epochs", "metrics", "models", "prices", "forecasts"]
        func snapshot(_ db: Database) throws -> [String] {
            try tables.map { "\($0): \(try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)")!)" }
                + (try String.fetchAll(db, sql: "SELECT run_id || name || hex(bytes) FROM models ORDER BY run_id, name"))
                + (try String.fetchAll(db, sql: "SELECT id || pipeline || config || seed || started_at FROM runs ORDER BY id"))
        }
        let before = try DatabaseQueue(path: path).read(snapshot)
        XCTAssertEqual(Array(before.prefix(3)), ["datasets: 2", "runs: 3", "epochs: 25"])

        let store = try Store(path: path)
        XCTAssertEqual(try store.query(snapshot), before)
        XCTAssertEqual(store.reconciled.map(\.id), [3], "the killed demo")
        XCTAssertEqual(try store.runs().map(\.status), [.interrupted, .completed, .completed])
        XCTAssertEqual(try store.query { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") },
                       ["v1-shared", "forecast-v1", "v2-lifecycle", "v3-distributed", "v4-browse-indexes"])
        let run = try store.startRun(pipeline: "demo", datasetID: 1, config: "{}", seed: 1)
        XCTAssertEqual(run, 4)
    }
}
