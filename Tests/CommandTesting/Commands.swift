import Foundation
import GRDB
import XCTest

/// The real executables (`plexus`, `forecast`, `classify`, `cluster`, `anomaly`), run as a user runs them: from a
/// folder of their own, with arguments, their output read back. Shared by the pipelines' test targets, which each
/// bring their own data generators.
public enum Commands {
    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The test bundle and the executables are built into the same products directory (`swift build --build-tests`).
    public static func path(_ name: String) -> String {
        Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Runs `name arguments` with `directory` as the working directory and without `PLEXUS_DB`, so the default
    /// database is `directory/plexus.db`.
    public static func run(_ name: String, _ arguments: [String], in directory: String) throws -> Result {
        try execute(built(name), arguments, in: directory)
    }

    /// The path of executable `name`, skipping the test when it is not built.
    static func built(_ name: String) throws -> String {
        let binary = path(name)
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("\(name) is not built beside the tests (\(binary)); run `swift build --build-tests`")
        }
        return binary
    }

    /// Runs the program at `binary` with `arguments` in `directory`, without `PLEXUS_DB`, and reads its output back.
    public static func execute(_ binary: String, _ arguments: [String], in directory: String) throws -> Result {
        // Files rather than pipes: a chatty command cannot fill a pipe buffer and stall while nobody reads it.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        let (stdout, stderr) = (output.appendingPathComponent("stdout"), output.appendingPathComponent("stderr"))
        try Data().write(to: stdout)
        try Data().write(to: stderr)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "PLEXUS_DB" }
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: try String(contentsOf: stdout, encoding: .utf8),
                      stderr: try String(contentsOf: stderr, encoding: .utf8))
    }

    /// Each run's status and config in `database` (none when the file does not exist), read as the command left
    /// them: through plain SQLite, not `Store`, whose opening would mark a run left `running` by a dead process
    /// `interrupted` and hide it.
    public static func runs(in database: String) throws -> [(status: String, config: String)] {
        guard FileManager.default.fileExists(atPath: database) else { return [] }
        return try reader(database).read { db in
            try Row.fetchAll(db, sql: "SELECT status, config FROM runs ORDER BY id").map { ($0["status"], $0["config"]) }
        }
    }
}
