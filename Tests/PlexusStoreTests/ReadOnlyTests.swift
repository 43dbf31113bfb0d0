import Foundation
import XCTest
@testable import PlexusStore

/// `Store(readOnly:)`, as `plexus ui` opens a database: it reads, refuses every write, and never creates a file.
final class ReadOnlyTests: XCTestCase {
    func testReadsButRefusesWritesAndMissingFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("PlexusStoreReadOnly-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/plexus.db"

        XCTAssertThrowsError(try Store(readOnly: path)) { XCTAssertEqual("\($0)", "\(path): cannot open database: no such file") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))

        let id = try Store(path: path).registerDataset(name: "iris", kind: "csv", source: "iris.csv", sha256: "abc", items: 150)
        let store = try Store(readOnly: path)
        XCTAssertEqual(try store.datasetName(id: id), "iris")
        XCTAssertThrowsError(try store.registerDataset(name: "other", kind: "csv", source: "x", sha256: "def", items: 1)) {
            XCTAssertTrue("\($0)".contains("readonly"), "\($0)")
        }
        XCTAssertThrowsError(try store.write { try $0.execute("DELETE FROM datasets") })
        XCTAssertEqual(try store.read { try $0.value(Int.self, "SELECT count(*) FROM datasets") }, 1)
    }
}
