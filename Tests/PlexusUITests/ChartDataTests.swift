import XCTest
@testable import PlexusKit
@testable import PlexusUI

/// The pure data functions behind the charts and the runs table.
final class ChartDataTests: XCTestCase {
    func testMinMaxPerColumnKeepsEverySpikeWithinTwoPointsAColumn() {
        var points = (0..<100_000).map { (x: Double($0), y: sin(Double($0) / 5000)) }
        points[54_321].y = 9
        points[77_777].y = -9
        let reduced = Downsampling.minMaxPerColumn(points, columns: 640)
        XCTAssertLessThanOrEqual(reduced.count, 1280)
        XCTAssertGreaterThan(reduced.count, 640)
        XCTAssertTrue(reduced.contains { $0.x == 54_321 && $0.y == 9 })
        XCTAssertTrue(reduced.contains { $0.x == 77_777 && $0.y == -9 })
        XCTAssertEqual(reduced.first?.x, 0)
        XCTAssertEqual(reduced.map(\.x), reduced.map(\.x).sorted(), "still in x order")
        let small = [(x: 0.0, y: 1.0), (x: 1, y: .nan), (x: 2, y: 3)]
        XCTAssertEqual(Downsampling.minMaxPerColumn(small, columns: 640).map(\.y), [1, 3], "short series kept, non-finite dropped")
    }

    func testSmoothingIsDebiasedExponentialAverage() {
        XCTAssertEqual(Downsampling.smoothed([1, 2, 3], weight: 0), [1, 2, 3])
        let smoothed = Downsampling.smoothed([2, 2, 2, 4], weight: 0.5)
        XCTAssertEqual(smoothed[0], 2, accuracy: 1e-12, "no pull towards 0 at the start")
        XCTAssertEqual(smoothed[2], 2, accuracy: 1e-12)
        XCTAssertEqual(smoothed[3], (0.5 * (2 * 0.875) + 0.5 * 4) / (1 - 0.0625), accuracy: 1e-12)
    }

    func testChartsAreAccessibleAndDrawAHundredThousandPoints() {
        let points = (0..<100_000).map { (x: Double($0), y: Double($0 % 977)) }
        let svg = Charts.curves(title: "Loss <per> epoch", xTitle: "epoch", yTitle: "loss (mse)", series: [.init(name: "train", points: points)])
        XCTAssertTrue(svg.contains("<title>Loss &lt;per&gt; epoch</title>"))
        XCTAssertTrue(svg.contains("aria-label=\"Loss &lt;per&gt; epoch\""))
        XCTAssertTrue(svg.contains(">loss (mse)</text>") && svg.contains(">epoch</text>"))
        // Drawn whole, 100,000 points would take over 1 MB of path data; cairo's SVG also carries the glyph outlines (≈ 70 KB here).
        XCTAssertLessThan(svg.utf8.count, 100_000, "downsampled before drawing")
    }

    func testMetricConditionsAndBestValues() throws {
        let condition = try RunBrowser.MetricCondition(parsing: " test/lstm.mase <= 1.5 ")
        XCTAssertEqual(condition, try RunBrowser.MetricCondition(parsing: "test/lstm.mase<=1.5"))
        XCTAssertEqual([condition.split, condition.name, condition.comparison], ["test", "lstm.mase", "<="])
        XCTAssertEqual(condition.value, 1.5)
        XCTAssertThrowsError(try RunBrowser.MetricCondition(parsing: "accuracy")) { XCTAssertTrue("\($0)".contains("expected NAME OP NUMBER")) }
        XCTAssertThrowsError(try RunBrowser.MetricCondition(parsing: ">= 3")) { XCTAssertTrue("\($0)".contains("expected a metric name")) }
        let loss = RunBrowser.summary("val_loss", [(1, 0.9), (2, 0.4), (3, 0.5)])!
        XCTAssertEqual([loss.last, loss.best, loss.min, loss.max], [0.5, 0.4, 0.4, 0.9])
        XCTAssertEqual(loss.bestEpoch, 2)
        let accuracy = RunBrowser.summary("accuracy", [(1, 0.6), (2, 0.8), (3, 0.7)])!
        XCTAssertEqual([accuracy.best, Double(accuracy.bestEpoch)], [0.8, 2])
    }
}
