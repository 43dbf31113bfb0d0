import PlexusKit
import XCTest

final class HelperTests: XCTestCase {
    func testQuantileMatchesNumpy() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.05, 0.5, 0.95]) = [1.2, 3.0, 8.8]
        let sorted = [1.0, 2, 3, 4, 10]
        XCTAssertEqual(Statistics.quantile(sorted, 0.05), 1.2, accuracy: 1e-12)
        XCTAssertEqual(Statistics.quantile(sorted, 0.5), 3)
        XCTAssertEqual(Statistics.quantile(sorted, 0.95), 8.8, accuracy: 1e-12)
    }

    func testXMLEscaping() {
        XCTAssertEqual("a < b & \"c\" > 'd'".xmlEscaped, "a &lt; b &amp; &quot;c&quot; &gt; &#39;d&#39;")
    }

    func testJoinDoesNotDoubleTheSlash() {
        XCTAssertEqual(Paths.join("data/", "a.png"), "data/a.png")
        XCTAssertEqual(Paths.join("data", "a.png"), "data/a.png")
    }
}

final class SVGTests: XCTestCase {
    func testNiceTicksCoverTheValuesWithRoundSteps() {
        let axis = SVGAxis.nice([0.3, 9.2])
        XCTAssertEqual(axis.ticks.map(\.label), ["0", "2", "4", "6", "8", "10"])
        XCTAssertEqual(axis.low, 0)
        XCTAssertEqual(axis.high, 10)
        XCTAssertEqual(SVGAxis.nice([-0.26, 0.31]).ticks.map(\.label), ["-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3", "0.4"])
        XCTAssertEqual(SVGAxis.nice([0, 1], count: 5).ticks.map(\.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(SVGAxis.nice([5, 5]).ticks.first?.value, 4, "equal values get a range of one either side")
    }

    func testPlotAreaMapsDataToPixelsAndDrawsEscapedText() {
        let plot = SVGPlotArea(left: 10, top: 20, right: 110, bottom: 220, x: SVGAxis(low: 0, high: 10, ticks: [(0, "start")]),
                               y: SVGAxis(low: -1, high: 1, ticks: []))
        XCTAssertEqual(plot.point(5, 1).x, 60)
        XCTAssertEqual(plot.point(5, 1).y, 20)
        var svg = SVGDocument(width: 200, height: 240, title: "a < b")
        plot.drawAxes(on: &svg, xTitle: "x & y")
        svg.legend([("line", .line(color: "#000")), ("band", .band(color: "#f00"))], x: 0, y: 0)
        let text = svg.rendered
        XCTAssertTrue(text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"240\""), text)
        XCTAssertTrue(text.contains(">a &lt; b</text>") && text.contains(">x &amp; y</text>") && text.contains(">start</text>"), text)
        XCTAssertTrue(text.hasSuffix("</svg>\n"))
    }
}
