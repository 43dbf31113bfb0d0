import CommandTesting
import Foundation
import GRDB
import Plexus
import PlexusFormats
import PlexusStore
import XCTest

/// Several pipelines on one database at once, some killed with SIGKILL at seeded random moments and others started
/// after them: the database stays consistent, no user sees "database is locked", every killed run ends
/// `interrupted` and every other one `completed` with all of its rows, and unfinished runs leave no results behind.
final class ConcurrentRunsTests: XCTestCase {
    private var directory = ""
    private let database = "stress.db"

    override func setUpWithError() throws {
        directory = temporaryDirectory()
        addTeardownBlock { [directory] in try? FileManager.default.removeItem(atPath: directory) }
        var rng = RandomGenerator(seed: 11)
        try SyntheticInputs.writePrices(in: directory, &rng)
        try SyntheticInputs.writeEvents(in: directory, &rng)
        try SyntheticInputs.writeImages(in: directory, &rng)
    }

    /// Each command, small enough to take seconds in a debug build.
    private let commands: [(name: String, arguments: [String])] = [
        ("forecast", ["prices.csv", "--epochs", "15", "--window", "20", "--horizon", "3"]),
        ("cluster", ["events.csv", "--epochs", "40", "--k", "3"]),
        ("classify", ["train", "pngs", "--image-size", "16x16", "--epochs", "15"]),
    ]

    /// A started command, its stderr file, and whether the test killed it.
    private struct Started {
        let process: Process
        let name: String
        let stderr: String
        var killed = false
    }

    private func start(_ command: (name: String, arguments: [String]), _ index: Int) throws -> Started {
        let stderr = directory + "/stderr-\(index).txt"
        FileManager.default.createFile(atPath: stderr, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Commands.path(command.name))
        process.arguments = command.arguments + ["--db", database]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
        return Started(process: process, name: command.name, stderr: stderr)
    }

    func testSixWritersSomeKilledLeaveAConsistentDatabase() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Commands.path("classify")), "the executables are not built beside the tests")
        // Which processes die and when comes from the seed: PLEXUS_STRESS_SEED=N repeats a failing schedule.
        let seed = UInt64(ProcessInfo.processInfo.environment["PLEXUS_STRESS_SEED"] ?? "") ?? 7
        print("concurrent runs: seed \(seed) (PLEXUS_STRESS_SEED=\(seed) repeats this schedule)")
        var rng = RandomGenerator(seed: seed)
        // Six at once on a new database: they also race to create its tables.
        var started = try (0..<6).map { try start(commands[$0 % commands.count], $0) }
        var victims: [Int] = []
        while victims.count < 2 {
            let victim = Int(rng.next() % 6)
            if !victims.contains(victim) { victims.append(victim) }
        }
        for victim in victims {
            Thread.sleep(forTimeInterval: 0.3 + Double(rng.next() % 1000) / 1000)
            if started[victim].process.isRunning {
                kill(started[victim].process.processIdentifier, SIGKILL)
                started[victim].killed = true
            }
        }
        // The killed commands start again, on the database their predecessors left.
        started += try victims.enumerated().map { try start(commands[$0.element % commands.count], 6 + $0.offset) }
        let deadline = Date().addingTimeInterval(180)
        for item in started {
            while item.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            XCTAssertFalse(item.process.isRunning, "\(item.name) still running at the deadline")
        }
        XCTAssertTrue(started.contains(where: \.killed), "no command was still running when its kill came")

        let path = directory + "/" + database
        for item in started where !item.killed {
            let stderr = try String(contentsOfFile: item.stderr, encoding: .utf8)
            XCTAssertEqual(item.process.terminationStatus, 0, "\(item.name): \(stderr)")
            XCTAssertFalse(stderr.contains("locked"), "\(item.name): \(stderr)")
        }
        XCTAssertEqual(try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }, ["ok"])

        let killedPIDs = Set(started.filter(\.killed).map(\.process.processIdentifier))
        let store = try Store(path: path)  // reconciles the killed runs
        let runs = try store.runs(limit: 100)
        for item in started {
            let own = runs.filter { $0.pid == item.process.processIdentifier }
            XCTAssertEqual(own.count, item.killed ? min(own.count, 1) : 1, "\(item.name): one run a process")
        }
        try store.query { db in
            func count(_ table: String, _ runID: Int64) throws -> Int {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE run_id = ?", arguments: [runID]) ?? 0
            }
            let ownRows = ["forecast": "forecasts", "cluster": "segments", "classify": "predictions"]
            for run in runs {
                let table = try XCTUnwrap(ownRows[run.pipeline])
                if killedPIDs.contains(run.pid ?? 0) {
                    XCTAssertEqual(run.status, .interrupted, "run \(run.id) (\(run.pipeline)) of a killed process")
                    for results in ["metrics", "artifacts", table] { XCTAssertEqual(try count(results, run.id), 0, "\(results) of unfinished run \(run.id)") }
                    XCTAssertEqual(try String.fetchAll(db, sql: "SELECT name FROM models WHERE run_id = ?", arguments: [run.id]).filter { $0 != "checkpoint" }, [])
                } else {
                    XCTAssertEqual(run.status, .completed, "run \(run.id) (\(run.pipeline)): \(run.error ?? "")")
                    for results in ["metrics", "artifacts", "models", table] { XCTAssertGreaterThan(try count(results, run.id), 0, "\(results) of run \(run.id)") }
                }
            }
            for table in ["epochs", "metrics", "models", "artifacts", "forecasts", "segments", "predictions"] {
                XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE run_id NOT IN (SELECT id FROM runs)"), 0, table)
            }
        }
    }
}
