import Foundation
import GRDB
import XCTest

extension Commands {
    /// Starts `name arguments` in `directory` (output discarded), as `processes` processes of an `mpirun` job when
    /// above 1, and returns once `database` has at least `epochs` epochs recorded, with the process still training.
    public static func startTraining(_ name: String, _ arguments: [String], processes: Int = 1, in directory: String, database: String,
                                     epochs wanted: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Process {
        let process = Process()
        let command = processes > 1 ? mpirun + ["-np", String(processes), path(name)] : [path(name)]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst()) + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        let stderr = directory + "/\(name)-\(UUID().uuidString).stderr"
        FileManager.default.createFile(atPath: stderr, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        var epochs = 0
        while epochs < wanted && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
            epochs = (try? texts("select cast(count(*) as text) from epochs", in: database).first.flatMap { Int($0) }) ?? 0
        }
        XCTAssertGreaterThanOrEqual(epochs, wanted, "\(name): not enough epochs recorded before the deadline", file: file, line: line)
        XCTAssertTrue(process.isRunning, "\(name) finished before it could be killed: "
                      + ((try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""), file: file, line: line)
        return process
    }

    /// The first column of `sql`'s rows, which must be text, read with plain SQLite (see `runs(in:)`).
    public static func texts(_ sql: String, in database: String) throws -> [String] {
        try reader(database).read { try String.fetchAll($0, sql: sql) }
    }

    /// A read-only connection to a database a command wrote. Read-only, it never creates the file: a connection
    /// that did, while the command was opening it, could make the command's switch to WAL fail.
    static func reader(_ database: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: database, configuration: configuration)
    }
}

extension CommandInFolder {
    /// What a user sees after `kill -9` during training, and after `--resume`. Runs `arguments` to the end once
    /// (into `whole.db`); runs them again into `killed.db` and kills that process with SIGKILL after `epochs`
    /// epochs; checks that the run still reads `running`, that the next command (`plexus runs`) marks it
    /// `interrupted`, and that `--resume 1` completes it without training the recorded epochs again and with the
    /// same models, byte for byte, as the run that was never interrupted. With `processes` above 1, every run is an
    /// `mpirun` job of that many processes, and the process killed is rank 0 (mpirun then ends the others).
    public func assertResumesAfterKill(_ arguments: [String], afterEpochs epochs: Int = 1, processes: Int = 1,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        func run(_ arguments: [String]) throws -> Commands.Result {
            processes > 1 ? try Commands.runUnderMPI(name, arguments, processes: processes, in: directory) : try Commands.run(name, arguments, in: directory)
        }
        let whole = directory + "/whole.db", killed = directory + "/killed.db"
        let first = try run(arguments + ["--db", whole, "--out", directory + "/whole"])
        XCTAssertEqual(first.status, 0, first.stderr, file: file, line: line)

        let process = try Commands.startTraining(name, arguments + ["--db", killed, "--out", directory + "/killed"], processes: processes,
                                                 in: directory, database: killed, epochs: epochs, file: file, line: line)
        let victim = processes > 1 ? try XCTUnwrap(Commands.rankProcess(0, of: process), "rank 0 not found", file: file, line: line)
                                   : process.processIdentifier
        kill(victim, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(try Commands.runs(in: killed).map(\.status), ["running"], "nothing can mark a run killed outright", file: file, line: line)
        let listing = try Commands.run("plexus", ["runs", "--db", killed], in: directory)
        XCTAssertTrue(listing.stdout.contains("was still marked running: now interrupted, process \(victim)"), listing.stdout,
                      file: file, line: line)
        XCTAssertEqual(try Commands.runs(in: killed).map(\.status), ["interrupted"], file: file, line: line)

        // Epoch rows carry their own timings: a resume keeps those up to its checkpoint, a restart would rewrite them.
        let timings = "select epoch || ':' || seconds from epochs order by epoch"
        let beforeResume = try Commands.texts(timings, in: killed)
        let resumed = try run(arguments + ["--db", killed, "--out", directory + "/killed", "--resume", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr, file: file, line: line)
        XCTAssertEqual(try Commands.runs(in: killed).map(\.status), ["completed"], file: file, line: line)
        XCTAssertEqual(Array(try Commands.texts(timings, in: killed).prefix(beforeResume.count)), beforeResume,
                       "the epochs before the checkpoint were trained again", file: file, line: line)

        let models = "select name || ' ' || hex(bytes) from models where name <> 'checkpoint' order by name"
        let (resumedModels, wholeModels) = (try Commands.texts(models, in: killed), try Commands.texts(models, in: whole))
        XCTAssertFalse(wholeModels.isEmpty, file: file, line: line)
        XCTAssertTrue(resumedModels == wholeModels, "the resumed run's models differ from the uninterrupted run's", file: file, line: line)
        let losses = "select cast(train_loss as text) from epochs order by epoch"
        XCTAssertEqual(try Commands.texts(losses, in: killed), try Commands.texts(losses, in: whole), file: file, line: line)
    }
}
