import CommandTesting
import Foundation
import GRDB
import XCTest

/// SIGINT and SIGTERM that arrive while a run's final transaction is open (held there by the store's test hook
/// `PLEXUS_TEST_COMMIT_DELAY`) leave the whole run, never part of it: the signal handler's "interrupted" write waits
/// for the transaction, finds the run completed and leaves it so.
final class SignalDuringCommitTests: XCTestCase {
    func testSigintDuringTheFinalTransactionKeepsTheWholeRun() throws { try assertWholeRun(after: SIGINT) }
    func testSigtermDuringTheFinalTransactionKeepsTheWholeRun() throws { try assertWholeRun(after: SIGTERM) }

    /// Rows per table of the database's only run.
    private func rowCounts(_ database: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in ["epochs", "metrics", "models", "artifacts"] {
            counts[table] = Int(try Commands.texts("select cast(count(*) as text) from \(table)", in: database).first ?? "")
        }
        return counts
    }

    private func assertWholeRun(after signal: Int32) throws {
        let directory = temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["demo", "--epochs", "3", "--seed", "3"]
        let whole = try Commands.run("plexus", arguments + ["--db", directory + "/whole.db", "--out", directory + "/whole"], in: directory)
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let database = directory + "/signalled.db", stderr = directory + "/stderr.txt"
        FileManager.default.createFile(atPath: stderr, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Commands.path("plexus"))
        process.arguments = arguments + ["--db", database, "--out", directory + "/signalled"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(["PLEXUS_TEST_COMMIT_DELAY": "2"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        func said() -> String { (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }
        while !said().contains("final transaction open") && process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertTrue(process.isRunning, "the command ended before its final transaction: \(said())")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()

        // The handler exits with 128 + the signal once the commit lets it write; the main thread, free at the same
        // moment, may reach its own exit(0) first. Either way the run is whole.
        XCTAssertTrue([0, 128 + signal].contains(process.terminationStatus), "exit \(process.terminationStatus): \(said())")
        XCTAssertEqual(try Commands.texts("pragma integrity_check", in: database), ["ok"])
        XCTAssertEqual(try Commands.runs(in: database).map(\.status), ["completed"], said())
        XCTAssertEqual(try rowCounts(database), try rowCounts(directory + "/whole.db"), "the signalled run lacks some of its rows")
    }
}
