import Foundation
import XCTest

/// A fresh folder for one test's files (`plexus-<prefix>-<uuid>` under the system's temporary folder), removed when
/// the test ends.
public func temporaryFolder(for test: XCTestCase, prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}
