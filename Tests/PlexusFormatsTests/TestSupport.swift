import Foundation
import XCTest
import PlexusFormats

/// Runs `python3 -c script` and returns its standard output. Skips the calling test when python3
/// or one of `modules` is missing, so the suite passes on machines without them.
func runPython(_ script: String, requiring modules: [String]) throws -> String {
    let probe = try? python(["-c", "import " + modules.joined(separator: ", ")])
    guard let probe, probe.status == 0 else {
        throw XCTSkip("python3 with \(modules.joined(separator: ", ")) is not available")
    }
    let result = try python(["-c", script])
    guard result.status == 0 else {
        XCTFail("python3 failed (\(result.status)): \(result.errors)")
        return ""
    }
    return result.output
}

private func python(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}

/// A fresh directory for one test's files, removed when the test case ends.
func temporaryDirectory(for testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-formats-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Asserts that `body` throws a `FormatError` whose one-line description equals `expected`.
func XCTAssertFormatError<T>(_ body: @autoclosure () throws -> T, _ expected: String,
                             file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let error = error as? FormatError else {
            return XCTFail("expected a FormatError, got \(error)", file: file, line: line)
        }
        XCTAssertEqual(error.description, expected, file: file, line: line)
    }
}

/// Like `XCTAssertFormatError`, for messages that embed text from a library (libpng, libyaml).
func XCTAssertFormatError<T>(_ body: @autoclosure () throws -> T, startsWith prefix: String,
                             file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let error = error as? FormatError else {
            return XCTFail("expected a FormatError, got \(error)", file: file, line: line)
        }
        XCTAssertTrue(error.description.hasPrefix(prefix), "\(error.description) does not start with \(prefix)",
                      file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "error spans lines: \(error.description)", file: file, line: line)
    }
}
