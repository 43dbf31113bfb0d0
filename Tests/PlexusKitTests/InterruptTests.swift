import CommandTesting
import Foundation
import PlexusStore
import XCTest

/// Ctrl-C during training: the real `plexus` binary must exit 130 and leave its run marked `interrupted`.
final class InterruptTests: XCTestCase {
    func testSigintMarksTheRunInterrupted() throws {
        let binary = Commands.path("plexus")
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            return XCTFail("plexus is not built beside the tests (\(binary)); run `swift build --build-tests`")
        }
        let directory = temporaryDirectory()
        let database = directory + "/plexus.db"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["demo", "--db", database, "--epochs", "100000", "--out", directory + "/out"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()

        // Wait until training has recorded an epoch, then interrupt.
        let deadline = Date().addingTimeInterval(60)
        var epochs = 0
        while epochs == 0 && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.2)
            epochs = (try? Store(path: database).read { try Int.fetchOne($0, sql: "select count(*) from epochs") ?? 0 }) ?? 0
        }
        XCTAssertGreaterThan(epochs, 0, "no epoch recorded before the deadline")
        process.interrupt()
        process.waitUntilExit()

        XCTAssertEqual(process.terminationStatus, 130)
        let run = try XCTUnwrap(try Store(path: database).run(id: 1))
        XCTAssertEqual(run.status, .interrupted)
        XCTAssertEqual(run.error, "interrupted by SIGINT")
        XCTAssertNotNil(run.finishedAt)
    }
}
