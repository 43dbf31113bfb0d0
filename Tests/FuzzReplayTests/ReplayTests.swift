import FuzzEntries
import Foundation
import XCTest

/// Feeds every input the fuzz campaign found (FuzzRegressions/<target>/) and every seed-corpus file
/// (.build/fuzz-corpus/<target>/, made by tools/make-fuzz-corpus.sh, which `make test` runs) to the same entry
/// functions the libFuzzer targets call, in the normal build: a reader that crashes on one of them fails the suite.
final class ReplayTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let regressions = root.appendingPathComponent("FuzzRegressions")
    static let corpus = ProcessInfo.processInfo.environment["PLEXUS_FUZZ_CORPUS"].map(URL.init(fileURLWithPath:))
        ?? root.appendingPathComponent("../../.build/fuzz-corpus").standardizedFileURL

    /// The files of `folder/target`, sorted; none when the folder does not exist.
    func inputs(_ folder: URL, _ target: String) throws -> [URL] {
        let directory = folder.appendingPathComponent(target)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.path < $1.path }
    }

    func replay(_ target: String, _ files: [URL]) throws {
        let entry = try XCTUnwrap(FuzzEntries.targets[target], "no fuzz entry '\(target)'")
        for file in files { entry([UInt8](try Data(contentsOf: file))) }
    }

    func testRegressionInputsReplay() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.regressions.path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(Set(folders).subtracting(FuzzEntries.targets.keys), [], "a regression folder that names no fuzz target")
        var replayed = 0
        for target in FuzzEntries.targets.keys.sorted() {
            let files = try inputs(Self.regressions, target)
            try replay(target, files)
            replayed += files.count
        }
        print("fuzz regressions: replayed \(replayed) inputs")
    }

    func testSeedCorporaReplay() throws {
        guard FileManager.default.fileExists(atPath: Self.corpus.path) else {
            throw XCTSkip("no seed corpora at \(Self.corpus.path): run `sh tools/make-fuzz-corpus.sh` (make test does)")
        }
        for target in FuzzEntries.targets.keys.sorted() {
            let files = try inputs(Self.corpus, target)
            XCTAssertFalse(files.isEmpty, "no seeds for fuzz target '\(target)' in \(Self.corpus.path)")
            try replay(target, files)
        }
    }
}
