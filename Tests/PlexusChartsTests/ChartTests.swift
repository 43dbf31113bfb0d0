import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PlexusCharts
import PlexusFormats
import XCTest

/// Labels a chart must write as they are: Unicode, a slash, and markup that must end up escaped.
let hostileLabels = ["Übergröße", "T-shirt/top", "<script>alert('x')</script>", "a & b \"c\""]

/// Every kind of chart, each with the hostile labels somewhere in its text.
func sampleCharts() -> [(name: String, chart: any Chart)] {
    var lines = LineChart(title: hostileLabels[0], xTitle: "epoch", yTitle: "loss (MSE)", width: 480, height: 300)
    lines.bands.append(.init(name: hostileLabels[2], x: [1, 2, 3], lower: [0.5, 0.3, 0.2], upper: [0.9, 0.6, 0.5], color: .blue))
    lines.series.append(.init(name: hostileLabels[1], points: [(1, 0.8), (2, 0.45), (3, .nan), (4, 0.3)], color: .blue, dots: true))
    lines.markers.append(.init(x: 2, color: .green, label: hostileLabels[3]))

    var roc = LineChart(xTitle: "false positive rate", yTitle: "true positive rate", width: 420, height: 400)
    roc.xAxis = .nice([0, 1], count: 5)
    roc.yAxis = roc.xAxis
    roc.series = [.init(name: nil, points: [(0, 0), (1, 1)], color: .gray, dashed: true),
                  .init(name: "autoencoder (AUROC 0.900)", points: [(0, 0), (0.1, 0.7), (1, 1)], color: .red)]
    roc.legendCorner = .bottomRight

    var scatter = ScatterChart(xTitle: "PC 1", yTitle: "PC 2")
    scatter.groups = hostileLabels.enumerated().map { ($1, Color.palette($0)) }
    scatter.points = (0..<200).map { (sin(Double($0)), cos(Double($0) * 1.7), $0 % 4) }
    scatter.note = "200 of 200 users"

    var grid = ImageGrid(columns: 2, scale: 3, minimumTileWidth: 100)
    let image = PNGImage(width: 8, height: 8, channels: 1, pixels: (0..<64).map { Float($0) / 63 })
    grid.tiles = hostileLabels.map { ImageGrid.Tile(image: image, captions: [($0, .green), ("97%", .red)]) }

    return [("lines", lines), ("roc", roc), ("scatter", scatter), ("heat map", confusion()), ("image grid", grid)]
}

/// A 2×2 confusion matrix whose first cell is half-way from white to blue.
func confusion() -> HeatMap {
    var map = HeatMap(rowLabels: ["0 \(hostileLabels[0])", "1 \(hostileLabels[2])"], columnLabels: ["0", "1"])
    map.rowTitle = "actual"
    map.columnTitle = "predicted"
    map.cells = [[.init(Color.white.mixed(with: .blue, 0.5), "5"), .init(Color(hex: 0xd62728), "5")],
                 [.init(.white, "0"), .init(.blue, "10")]]
    map.notes = [hostileLabels[1], hostileLabels[3]]
    return map
}

/// The text content of an XML document, and whether it parsed.
final class TextCollector: NSObject, XMLParserDelegate {
    var text = ""
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}

final class ChartTests: XCTestCase {
    func testEveryChartKindWritesAPNGOfItsSizeAndAnSVGWithItsLabelsEscaped() throws {
        for (name, chart) in sampleCharts() {
            let figure = Figure(title: "\(name): \(hostileLabels[1])", [chart])
            let size = try figure.size()
            let png = try PNG.decode(try figure.png(), path: name)
            XCTAssertEqual([png.width, png.height, png.channels], [size.width, size.height, 3], name)

            let svg = try figure.svg()
            let parser = XMLParser(data: Data(svg)), collector = TextCollector()
            parser.delegate = collector
            XCTAssertTrue(parser.parse(), "\(name): the SVG is not XML: \(parser.parserError.map(String.init(describing:)) ?? "")")
            let source = String(decoding: svg, as: UTF8.self)
            XCTAssertTrue(source.hasPrefix("<svg "), "\(name): no XML declaration, so the SVG can be inlined in HTML")
            XCTAssertFalse(source.contains("<script"), "\(name): markup in a label must be escaped")
            XCTAssertTrue(source.contains("&lt;script&gt;") || name == "roc", name)
            XCTAssertTrue(source.contains("<title>\(name): T-shirt/top</title>"), name)
            for label in hostileLabels where name != "roc" {
                XCTAssertTrue(collector.text.contains(label), "\(name): the SVG's text lacks \(label)")
            }
        }
    }

    func testKeyPixels() throws {
        let figure = Figure(title: "Übergröße", [confusion()])
        let png = try PNG.decode(try figure.png(), path: "confusion")
        func pixel(_ x: Int, _ y: Int) -> [Int] { (0..<3).map { Int((png.pixels[(y * png.width + x) * 3 + $0] * 255).rounded()) } }
        XCTAssertEqual(pixel(png.width - 2, png.height - 2), [255, 255, 255], "background")

        // The cell at share 0.5: white mixed half-way with tab10 blue (31, 119, 180), outside its text.
        let expected = [143, 187, 218]
        let matching = (0..<png.height).flatMap { y in (0..<png.width).map { (x: $0, y: y) } }.filter { pixel($0.x, $0.y) == expected }
        XCTAssertGreaterThan(matching.count, 1000, "most of a 44×36 cell has the colour of its value")

        // The title band holds anti-aliased text: dark pixels and grey edges, nothing below it drawn there.
        let band = (0..<Int(Figure.titleBand)).flatMap { y in (0..<png.width).map { pixel($0, y) } }
        XCTAssertGreaterThan(band.filter { $0[0] < 60 }.count, 50, "title text")
        XCTAssertGreaterThan(band.filter { (80...200).contains($0[0]) }.count, 10, "anti-aliased edges")
        let untitled = try PNG.decode(try Figure(title: nil, [confusion()]).png(), path: "untitled")
        XCTAssertEqual(png.height - untitled.height, Int(Figure.titleBand))
    }

    /// (Not the SVG: cairo numbers its elements with counters that run on within a process.)
    func testTheSameFigureRendersTheSamePNG() throws {
        let figure = Figure(title: "twice", [sampleCharts()[0].chart])
        XCTAssertEqual(try figure.png(), try figure.png())
    }

    func testNiceAxes() {
        XCTAssertEqual(Axis.nice([0.3, 9.2]).ticks.map(\.label), ["0", "2", "4", "6", "8", "10"])
        XCTAssertEqual(Axis.nice([-0.26, 0.31]).ticks.map(\.label), ["-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3", "0.4"])
        XCTAssertEqual(Axis.nice([0, 1], count: 5).ticks.map(\.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(Axis.nice([5, 5]).ticks.first?.value, 4, "equal values get a range of one either side")
        XCTAssertEqual(Axis.nice([.nan]).low, 0, "no finite value: 0...1")
    }

    func testXMLEscaping() {
        XCTAssertEqual("a < b & \"c\" > 'd'".xmlEscaped, "a &lt; b &amp; &quot;c&quot; &gt; &#39;d&#39;")
        XCTAssertEqual("bell\u{7}".xmlEscaped, "bell\u{FFFD}", "a control character XML forbids")
    }

    /// Class names in other scripts are drawn with real glyphs, not boxes: the Makefile installs DejaVu and a CJK
    /// font. A private-use character, which no font draws, shows that the count can fail.
    func testLabelsInOtherScriptsHaveGlyphs() throws {
        let labels = ["Übergröße", "T-shirt/top", "Кроссовки", "Σανδάλι", "连衣裙", "スニーカー", "운동화", "\u{E000}"]
        let probe = GlyphProbe(labels: labels)
        _ = try Figure(title: nil, [probe]).png()
        let counts = probe.missing
        XCTAssertEqual(counts.dropLast(), Array(repeating: 0, count: labels.count - 1), "\(zip(labels, counts).map { "\($0): \($1)" })")
        XCTAssertEqual(counts.last, 1)
    }
}

/// A panel that asks the painter, while the figure is laid out, how many characters of each label have no glyph.
final class GlyphProbe: Chart {
    let labels: [String]
    private(set) var missing: [Int] = []
    init(labels: [String]) { self.labels = labels }

    func size(_ painter: Painter) -> (width: Double, height: Double) {
        missing = labels.map { painter.missingGlyphs($0) }
        return (100, 20)
    }

    func draw(_ painter: Painter, in frame: Rect) {}
    var summary: String { "glyph probe" }
}
