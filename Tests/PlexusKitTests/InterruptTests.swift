import CommandTesting
import Foundation
import PlexusStore
import XCTest

/// Runs that end badly, with the real `plexus` binary: Ctrl-C must exit 130 and leave the run `interrupted`;
/// `kill -9` leaves it `running` until the next command notices, and `--resume` then finishes it.
final class InterruptTests: XCTestCase {
    /// `plexus demo` killed with SIGKILL after 3 epochs, listed, resumed: the run ends as if never interrupted.
    func testKillNineLeavesARunThatTheNextCommandMarksInterruptedAndResumeFinishesBitForBit() throws {
        try CommandInFolder("plexus", for: self).assertResumesAfterKill(["demo", "--epochs", "40", "--seed", "7"], afterEpochs: 3)
    }

    func testSigintMarksTheRunInterrupted() throws {
        let directory = temporaryDirectory()
        let database = directory + "/plexus.db"
        let process = try Commands.startTraining("plexus", ["demo", "--db", database, "--epochs", "100000", "--out", directory + "/out"],
                                                 in: directory, database: database, epochs: 1)
        process.interrupt()
        process.waitUntilExit()

        XCTAssertEqual(process.terminationStatus, 130)
        let run = try XCTUnwrap(try Store(path: database).run(id: 1))
        XCTAssertEqual(run.status, .interrupted)
        XCTAssertEqual(run.error, "interrupted by SIGINT")
        XCTAssertNotNil(run.finishedAt)
    }
}
