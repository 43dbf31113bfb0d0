import Foundation
import GRDB
import PlexusFormats
import XCTest

extension Commands {
    /// `mpirun` as the tests start it: as root (the test machines run as root), more processes than cores allowed.
    static let mpirun = ["/usr/bin/mpirun", "--allow-run-as-root", "--oversubscribe"]

    /// Runs `name arguments` as `processes` processes of one `mpirun` job, in `directory`; `timeout` kills the whole
    /// job, so a hung collective fails the test instead of hanging the suite.
    public static func runUnderMPI(_ name: String, _ arguments: [String], processes: Int = 2, in directory: String,
                                   timeout seconds: Int = 300) throws -> Result {
        try execute("/usr/bin/timeout", ["--kill-after=10", String(seconds)] + mpirun + ["-np", String(processes), try built(name)] + arguments,
                    in: directory)
    }

    /// The pid of rank `rank` of the job `mpirun` started: its child whose environment says so.
    public static func rankProcess(_ rank: Int, of mpirun: Process) throws -> pid_t? {
        let children = try String(contentsOfFile: "/proc/\(mpirun.processIdentifier)/task/\(mpirun.processIdentifier)/children", encoding: .utf8)
        return children.split(separator: " ").compactMap { pid_t($0) }.first { pid in
            guard let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environment.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }
        }
    }

    /// The tensors of every model stored in `database` but the training checkpoint, by "model/tensor" name.
    public static func storedWeights(in database: String) throws -> [String: [Float]] {
        try reader(database).read { db in
            var weights: [String: [Float]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, bytes FROM models WHERE name <> 'checkpoint' AND format = 'safetensors'") {
                let name: String = row["name"]
                for (tensor, value) in try Safetensors.decode([UInt8](row["bytes"] as Data)).tensors {
                    weights[name + "/" + tensor] = value.values
                }
            }
            return weights
        }
    }

    /// The largest difference between the two sets of weights, relative to the largest weight: max|a − b| / max|a|.
    public static func relativeDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Double {
        var difference = 0.0, scale = 0.0
        for (name, values) in a {
            guard let others = b[name], others.count == values.count else { return .infinity }
            for (x, y) in zip(values, others) {
                difference = max(difference, abs(Double(x) - Double(y)))
                scale = max(scale, abs(Double(x)))
            }
        }
        return a.keys.sorted() == b.keys.sorted() ? difference / max(scale, 1e-30) : .infinity
    }
}

extension CommandInFolder {
    /// Runs `arguments` as one process into `one.db` and as `mpirun -np 2` into `two.db`, and asserts that both
    /// complete, that the second recorded `world_size` 2, and that both trained the same number of epochs.
    public func assertTrainsUnderMPI(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let single = try Commands.run(name, arguments + ["--db", "one.db", "--out", "one"], in: directory)
        XCTAssertEqual(single.status, 0, single.stderr, file: file, line: line)
        let pair = try Commands.runUnderMPI(name, arguments + ["--db", "two.db", "--out", "two"], in: directory)
        XCTAssertEqual(pair.status, 0, pair.stderr + pair.stdout, file: file, line: line)
        let (one, two) = (directory + "/one.db", directory + "/two.db")
        XCTAssertEqual(try Commands.texts("select status || ' ' || world_size from runs", in: two), ["completed 2"], file: file, line: line)
        let epochs = "select cast(count(*) as text) from epochs"
        XCTAssertEqual(try Commands.texts(epochs, in: two), try Commands.texts(epochs, in: one), file: file, line: line)
    }
}
