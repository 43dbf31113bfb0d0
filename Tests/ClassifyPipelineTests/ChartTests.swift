import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PlexusFormats
import XCTest
@testable import ClassifyPipeline

final class ConfusionChartTests: XCTestCase {
    /// Class folders named in German, Russian and markup: the confusion matrix's PNG and SVG carry the names as they are.
    func testNonASCIIClassNamesReachTheConfusionMatrix() throws {
        let folders = ["Übergröße", "Сумка (bag)", "<b>Hose & Co"]
        let (root, options) = try TinyImages.setUp(self, folders: folders)
        let store = try ClassifyTables.open(path: root + "/plexus.db")
        let report = try ClassifyPipeline.train(store: store, options: options)
        XCTAssertEqual(Set(report.classes), Set(folders))

        let svg = try String(contentsOfFile: root + "/out/confusion.svg", encoding: .utf8)
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse(), "the SVG is XML")
        XCTAssertFalse(svg.contains("<b>"), "markup in a class name is escaped")
        for (index, name) in report.classes.enumerated() {
            XCTAssertTrue(svg.contains(">\(index) \(name.xmlEscaped)</text>"), "the SVG labels row \(index) \(name)")
        }
        // The PNG is the same figure: as wide as its longest label needs, with dark text pixels in the label column.
        let png = try PNG.read(path: root + "/out/confusion.png")
        let size = try Plots.confusion(report.evaluation, title: "").size()
        XCTAssertEqual(png.height, size.height)
        let labelColumn = (60..<png.height - 30).flatMap { y in (36..<80).map { png.pixels[(y * png.width + $0) * 3] } }
        XCTAssertGreaterThan(labelColumn.filter { $0 < 0.3 }.count, 20, "row labels drawn")
    }
}
