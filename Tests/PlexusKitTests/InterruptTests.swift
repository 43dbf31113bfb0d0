import GRDB
import CommandTesting
import Foundation
import PlexusStore
import XCTest

/// Runs that end badly, with the real `plexus` binary: Ctrl-C must exit 130 and leave the run `interrupted`;
/// `kill -9` leaves it `running` until the next command notices, and `--resume` then finishes it.
final class InterruptTests: XCTestCase {
    /// Starts `plexus` and returns once `database` has at least `epochs` epochs recorded.
    private func startTraining(_ arguments: [String], database: String, epochs wanted: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Commands.path("plexus"))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        var epochs = 0
        while epochs < wanted && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            epochs = (try? Store(path: database).query { try Int.fetchOne($0, sql: "select count(*) from epochs") ?? 0 }) ?? 0
        }
        XCTAssertGreaterThanOrEqual(epochs, wanted, "not enough epochs recorded before the deadline")
        return process
    }

    func testKillNineLeavesARunThatTheNextCommandMarksInterruptedAndResumeFinishesBitForBit() throws {
        let directory = temporaryDirectory()
        let demo = ["demo", "--epochs", "40", "--seed", "7"]
        let whole = directory + "/whole.db", killed = directory + "/killed.db"
        XCTAssertEqual(try Commands.run("plexus", demo + ["--db", whole, "--out", directory + "/whole"], in: directory).status, 0)

        let process = try startTraining(demo + ["--db", killed, "--out", directory + "/killed"], database: killed, epochs: 3)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        let raw = try DatabaseQueue(path: killed).read { try String.fetchOne($0, sql: "select status from runs where id = 1") }
        XCTAssertEqual(raw, "running", "nothing can mark a run that was killed outright")

        let listing = try Commands.run("plexus", ["runs", "--db", killed], in: directory)
        XCTAssertEqual(listing.status, 0)
        XCTAssertTrue(listing.stdout.contains("Run 1 (demo) was still marked running: now interrupted"), listing.stdout)
        XCTAssertTrue(listing.stdout.contains("interrupted"), listing.stdout)
        let run = try XCTUnwrap(try Store(path: killed).run(id: 1))
        XCTAssertEqual(run.status, .interrupted)
        XCTAssertTrue(run.error?.contains("process \(process.processIdentifier)") == true, run.error ?? "")
        // Epoch rows carry their own timings: a resume keeps the ones up to its checkpoint, a restart would rewrite them.
        let timings = { (database: String) in
            try Store(path: database).query { try String.fetchAll($0, sql: "select epoch || ':' || seconds from epochs order by epoch") }
        }
        let beforeResume = try timings(killed)

        XCTAssertEqual(try Commands.run("plexus", demo + ["--db", killed, "--out", directory + "/killed", "--resume", "1"], in: directory).status, 0)
        XCTAssertEqual(Array(try timings(killed).prefix(beforeResume.count)), beforeResume,
                       "the epochs before the checkpoint were not trained again")
        XCTAssertEqual(try Store(path: killed).run(id: 1)?.status, .completed)
        func trained(_ database: String) throws -> (weights: [UInt8], losses: [Double]) {
            let store = try Store(path: database)
            return (try store.loadModel(runID: 1, name: "model").bytes,
                    try store.query { try Double.fetchAll($0, sql: "select train_loss from epochs where run_id = 1 order by epoch") })
        }
        let (resumed, uninterrupted) = (try trained(killed), try trained(whole))
        XCTAssertEqual(resumed.losses, uninterrupted.losses)
        XCTAssertEqual(resumed.weights, uninterrupted.weights, "the resumed run ends with the uninterrupted run's weights, bit for bit")
    }

    func testSigintMarksTheRunInterrupted() throws {
        let directory = temporaryDirectory()
        let database = directory + "/plexus.db"
        let process = try startTraining(["demo", "--db", database, "--epochs", "100000", "--out", directory + "/out"],
                                        database: database, epochs: 1)
        process.interrupt()
        process.waitUntilExit()

        XCTAssertEqual(process.terminationStatus, 130)
        let run = try XCTUnwrap(try Store(path: database).run(id: 1))
        XCTAssertEqual(run.status, .interrupted)
        XCTAssertEqual(run.error, "interrupted by SIGINT")
        XCTAssertNotNil(run.finishedAt)
    }
}
