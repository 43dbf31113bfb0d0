import CommandTesting
import Foundation
import PlexusStore
import XCTest

/// Disks that fill up during a run. The output folder: its model file is a link to /dev/full, where every write fails
/// with ENOSPC as on a full disk. The database: `/bin/sh` sets a file-size limit (`ulimit -f`, 512-byte blocks) and
/// execs the command, which ignores SIGXFSZ (`runCommand`), so a write past the limit fails with EFBIG. (A small tmpfs
/// would be closer to a full disk, but mounting one needs root.)
final class FullDiskTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Commands.path("plexus")), "plexus is not built beside the tests")
        directory = temporaryDirectory()
        addTeardownBlock { [directory] in try? FileManager.default.removeItem(atPath: directory) }
    }

    func testOutputFolderOnAFullDiskFailsTheRunInOneLine() throws {
        let database = directory + "/plexus.db", model = directory + "/out/model.safetensors"
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: model, withDestinationPath: "/dev/full")
        let result = try Commands.run("plexus", ["demo", "--epochs", "2", "--db", database, "--out", directory + "/out"], in: directory)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stderr, "plexus: \(model): cannot write this file of the run (The operation could not be completed. "
                       + "There isn’t enough space.)\n")
        XCTAssertEqual(try Commands.texts("pragma integrity_check", in: database), ["ok"])
        XCTAssertEqual(try Commands.runs(in: database).map(\.status), ["failed"])
        XCTAssertEqual(try Commands.texts("select cast(count(*) as text) from metrics", in: database), ["0"])
    }

    /// 200 KB per file: the database takes the dataset and the run's row, then its WAL outgrows the limit during
    /// training. The run fails in one line naming the database; a checkpoint empties the WAL into the database file, so
    /// the run can still be marked `failed`, and the database stays consistent.
    func testDatabaseThatFillsUpFailsTheRunInOneLine() throws {
        let database = directory + "/plexus.db"
        let result = try Commands.execute("/bin/sh", ["-c", "ulimit -f 400 && exec \"$0\" \"$@\"", Commands.path("plexus"), "demo",
                                                      "--epochs", "300", "--db", database, "--out", directory + "/out"], in: directory)
        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 1, result.stderr)
        let line = lines.first ?? ""
        XCTAssertTrue(line.hasPrefix("plexus: \(database): record epoch") && line.hasSuffix(": disk I/O error"), result.stderr)
        XCTAssertEqual(try Commands.texts("pragma integrity_check", in: database), ["ok"])
        let runs = try Store(path: database).runs(limit: 10)
        XCTAssertEqual(runs.map(\.status), [.failed])
        XCTAssertEqual(runs.first?.error, String(line.dropFirst("plexus: ".count)))
    }
}
