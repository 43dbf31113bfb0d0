import Foundation
import PlexusKit
import XCTest

/// One executable run by a test as a user runs it: from a fresh temporary folder outside the checkout (removed when
/// the test ends), with the default database `plexus.db` there. A test writes its data into `directory`, then
/// asserts what the user sees.
public struct CommandInFolder {
    public let name: String
    public let directory: String
    public var database: String { directory + "/plexus.db" }

    public init(_ name: String, for test: XCTestCase) throws {
        self.name = name
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-command-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        directory = path
    }

    /// Runs the command on input it must refuse: exit status 1, exactly one line on stderr, `name: …`, containing
    /// `problem`, and no run left `running`.
    @discardableResult
    public func assertRefuses(_ arguments: [String], mentioning problem: String,
                              file: StaticString = #filePath, line: UInt = #line) throws -> Commands.Result {
        let result = try Commands.run(name, arguments, in: directory)
        let command = ([name] + arguments).joined(separator: " ")
        XCTAssertEqual(result.status, 1, "\(command): \(result.stderr)", file: file, line: line)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 1, "\(command): stderr is not one line: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix(name + ": "), "\(command): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(problem), "\(command): '\(problem)' not in: \(result.stderr)", file: file, line: line)
        XCTAssertFalse(try Commands.runs(in: database).contains { $0.status == "running" }, "\(command) left a run running", file: file, line: line)
        return result
    }

    /// `assertRefuses` for each (extra arguments, problem), the extra arguments after `arguments`.
    public func assertRefusesEach(after arguments: [String], _ cases: [([String], String)], file: StaticString = #filePath, line: UInt = #line) throws {
        for (extra, problem) in cases {
            try assertRefuses(arguments + extra, mentioning: problem, file: file, line: line)
        }
    }

    /// Writes each wrong pipeline file to `wrong-<n>.yml` and asserts that the command refuses it with one line
    /// naming the file and a line number, and the problem; `arguments(file)` are the arguments that use the file.
    public func assertRefusesEach(_ mistakes: PipelineMistakes, arguments: (String) -> [String],
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        for (index, mistake) in mistakes.cases.enumerated() {
            let name = "wrong-\(index).yml"
            try mistake.yaml.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
            let output = try assertRefuses(arguments(name), mentioning: mistake.problem, file: file, line: line)
            XCTAssertNotNil(output.stderr.range(of: "\(name):[0-9]+: ", options: .regularExpression),
                            "no \(name):LINE: in: \(output.stderr)", file: file, line: line)
        }
    }

    /// Runs the command on good input with the built-in pipeline file `builtin` and asserts that every run it recorded
    /// `completed`, with that file's reference and text in its config.
    public func assertCompletes(_ arguments: [String], builtin: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try Commands.run(name, arguments, in: directory)
        XCTAssertEqual(result.status, 0, "\(([name] + arguments).joined(separator: " ")): \(result.stderr)", file: file, line: line)
        let runs = try Commands.runs(in: database)
        XCTAssertFalse(runs.isEmpty, "no run recorded in \(database)", file: file, line: line)
        for run in runs {
            XCTAssertEqual(run.status, "completed", file: file, line: line)
            let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.config.utf8)) as? [String: Any], file: file, line: line)
            XCTAssertEqual(config["pipeline_file"] as? String, PipelineFiles.builtin(builtin), file: file, line: line)
            XCTAssertEqual(config["pipeline_yaml"] as? String, try PipelineFiles.text(PipelineFiles.builtin(builtin)), file: file, line: line)
        }
    }
}
