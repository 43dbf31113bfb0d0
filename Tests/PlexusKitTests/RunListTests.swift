import Foundation
import PlexusStore
import XCTest
@testable import PlexusKit

/// `plexus runs`: one line a run, newest first, with its data set, status, duration and key metric.
final class RunListTests: XCTestCase {
    func testRunsAreListedNewestFirstWithTheirKeyMetric() throws {
        let store = try Store(path: temporaryDirectory() + "/plexus.db")
        let dataset = try store.registerDataset(name: "data/generated/classify/fashion-mnist/train", kind: "images", source: "test",
                                                sha256: "ab", items: 3)
        let first = try store.startRun(pipeline: "classify", datasetID: dataset, config: "{}", seed: 1)
        var results = RunResults()
        results.metrics = ["test": ["accuracy": 0.8816, "macro_f1": 0.88]]
        results.keyMetric = "test/accuracy"
        try store.finishRun(runID: first, status: .completed, error: nil, results: results)
        _ = try store.startRun(pipeline: "forecast", datasetID: nil, config: "{}", seed: 1)

        let lines = try RunList.table(store: store).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("id  pipeline  dataset"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix(" 2  forecast"), lines[1])
        XCTAssertTrue(lines[1].contains("running"), lines[1])
        XCTAssertTrue(lines[2].hasPrefix(" 1  classify  data/generated/cl…ashion-mnist/train  completed"), lines[2])
        XCTAssertTrue(lines[2].hasSuffix("accuracy 0.8816"), lines[2])
        XCTAssertEqual(try RunList.table(store: store, pipeline: "demo"), "No runs in \(store.path).")
    }

    func testDurations() {
        XCTAssertEqual(RunList.duration(2.25), "2.2 s")
        XCTAssertEqual(RunList.duration(125), "2 min 05 s")
        XCTAssertEqual(RunList.duration(7300), "2 h 01 min")
    }
}
