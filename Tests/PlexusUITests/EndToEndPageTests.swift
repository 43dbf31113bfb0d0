import Foundation
import HummingbirdTesting
import PlexusStore
import XCTest
@testable import PlexusUI

/// The pages of every pipeline over a database written by the real executables.
final class EndToEndPageTests: XCTestCase {
    /// The run ids of the end-to-end database, by pipeline, in the order they ran.
    static func runIDs(_ database: String) throws -> [String: [Int64]] {
        let store = try Store(readOnly: database)
        let rows = try store.read { try $0.table("SELECT pipeline, id FROM runs ORDER BY id") }.rows
        return Dictionary(grouping: rows, by: { text($0[0]) }).mapValues { $0.compactMap { Int64(sqlValue: $0[1]) } }
    }

    func testEachPipelinesRunPage() async throws {
        let database = try Databases.endToEnd()
        let ids = try Self.runIDs(database)
        let classify = try XCTUnwrap(ids["classify"]?.first), forecast = try XCTUnwrap(ids["forecast"]?.first)
        let cluster = try XCTUnwrap(ids["cluster"]?.first), score = try XCTUnwrap(ids["anomaly-score"]?.first)
        let train = try XCTUnwrap(ids["anomaly"]?.first)
        try await withSite(database) { get in
            let page = try await get("/run/\(classify)").text
            for part in ["Confusion matrix", "Per-class metrics", "Predictions", "class=\"cell\"", "Models", "Layers of model",
                         "&lt;img src=x onerror=alert(1)&gt;", "&quot;quoted&quot; &amp; &#39;single&#39;"] {
                XCTAssertTrue(page.contains(part), "classify: \(part)")
            }
            XCTAssertFalse(page.contains("<img src=x"))
            let cell = try XCTUnwrap(links(in: page).first { $0.contains("actual=") && $0.contains("predicted=") })
            let images = try await get(cell).text
            XCTAssertTrue(images.contains("id=\"cell-images\""))
            let thumbnail = try XCTUnwrap(links(in: images).first { $0.hasPrefix("/image/") })
            let png = try await get(thumbnail)
            XCTAssertEqual(png.headers[.contentType], "image/png")
            XCTAssertEqual(Array(png.body.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
            for filter in ["wrong", "unsure"] { let fetched26 = try await get("/run/\(classify)?show=\(filter)"); XCTAssertEqual(fetched26.status, .ok, filter) }
            let fetched27 = try await get("/run/\(classify)?show=bogus")
            XCTAssertEqual(fetched27.status, .badRequest)
            let predictions = try await get("/run/\(classify)?csv=predictions").text
            XCTAssertEqual(predictions.split(separator: "\r\n").count, 1 + 12, "header and every test image")

            let forecastPage = try await get("/run/\(forecast)").text
            for part in ["Forecasts one step ahead", "MASE per horizon", "id=\"forecasts\"", "naive"] {
                XCTAssertTrue(forecastPage.contains(part), "forecast: \(part)")
            }
            let fetched28 = try await get("/run/\(forecast)?model=naive&csv=forecasts")
            XCTAssertTrue(fetched28.text.contains(",naive,"))
            let fetched29 = try await get("/run/\(forecast)?model=naive&csv=forecasts")
            XCTAssertFalse(fetched29.text.contains(",lstm,"))

            let clusterPage = try await get("/run/\(cluster)").text
            for part in ["Segment profiles", "k selection", "id=\"users\""] { XCTAssertTrue(clusterPage.contains(part), "cluster: \(part)") }
            let users = try await get("/run/\(cluster)?segment=0&csv=users").text.split(separator: "\r\n").dropFirst()
            XCTAssertFalse(users.isEmpty)
            XCTAssertTrue(users.allSatisfy { $0.split(separator: ",")[1] == "0" }, "only segment 0")

            let scorePage = try await get("/run/\(score)").text
            for part in ["ROC of the labelled scans", "Threshold rule", "Scans by score", "/heatmap/"] {
                XCTAssertTrue(scorePage.contains(part), "anomaly score: \(part)")
            }
            let heatmap = try XCTUnwrap(links(in: scorePage).first { $0.hasPrefix("/heatmap/") })
            let fetched30 = try await get(heatmap)
            XCTAssertEqual(Array(fetched30.body.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
            let fetched31 = try await get("/run/\(train)")
            XCTAssertTrue(fetched31.text.contains("Threshold rule"))
        }
    }

    func testCompareTwoClassifyRunsShowsTheirMatricesSideBySide() async throws {
        let database = try Databases.endToEnd()
        let classify = try XCTUnwrap(try Self.runIDs(database)["classify"])
        XCTAssertEqual(classify.count, 2)
        try await withSite(database) { get in
            let page = try await get("/compare?run=\(classify[0])&run=\(classify[1])&diff=1").text
            XCTAssertTrue(page.contains("Side by side"))
            XCTAssertEqual(page.components(separatedBy: "<table class=\"matrix\">").count - 1, 2)
            XCTAssertTrue(page.contains(">seed</td>"), "the seeds differ")
        }
    }

    /// Every kind of page and file the site links to, followed from the runs page and the forms' pages (compare,
    /// filters): each path with each set of parameters (ids and values aside) up to eight times. The database file
    /// is the same bytes after.
    func testAFullCrawlLeavesTheDatabaseByteIdentical() async throws {
        let database = try Databases.endToEnd()
        let before = try fileHash(database)
        let start = Date()
        let crawled = try await crawl(database)
        XCTAssertGreaterThan(crawled.count, 60)
        for kind in ["/run/#", "/compare", "/artifact/#", "/image/#", "/heatmap/#", "/assets/plexus.js"] {
            XCTAssertTrue(crawled.contains { Self.shape($0).hasPrefix(kind) }, "crawled no \(kind)")
        }
        XCTAssertEqual(try fileHash(database), before)
        print("plexus ui: crawled \(crawled.count) pages and files in \(String(format: "%.1f", Date().timeIntervalSince(start))) s; \(database) unchanged")
    }

    /// A URL's kind: its path with numbers as `#`, and its parameter names.
    static func shape(_ uri: String) -> String {
        let parts = uri.split(separator: "?", maxSplits: 1)
        let path = String(parts[0]).replacingOccurrences(of: "[0-9]+", with: "#", options: .regularExpression)
        let names = parts.count > 1 ? parts[1].split(separator: "&").map { $0.split(separator: "=")[0] }.sorted().joined(separator: "&") : ""
        return path + "?" + names
    }

    func crawl(_ database: String) async throws -> [String] {
        let visited = VisitedSet()
        try await withSite(database) { get in
            var queue = ["/", "/compare?run=1&run=2&run=3&run=4&run=5&run=6", "/compare?run=1&run=2&diff=1",
                         "/?pipeline=classify&status=completed&dataset=1&metric=" + encoded("accuracy >= 0")]
            var perShape: [String: Int] = [:]
            while !queue.isEmpty {
                let uri = queue.removeFirst()
                guard perShape[Self.shape(uri), default: 0] < 8, visited.insert(uri) else { continue }
                perShape[Self.shape(uri), default: 0] += 1
                let response = try await get(uri)
                XCTAssertEqual(response.status, .ok, uri)
                guard response.headers[.contentType]?.hasPrefix("text/html") == true else { continue }
                queue += links(in: response.text).filter { $0.hasPrefix("/") }.map { String($0.split(separator: "#", omittingEmptySubsequences: false)[0]) }
            }
        }
        return visited.all
    }
}

final class VisitedSet: @unchecked Sendable {
    private var seen = Set<String>()
    private let lock = NSLock()
    var all: [String] { lock.withLock { Array(seen) } }
    func insert(_ uri: String) -> Bool { lock.withLock { seen.insert(uri).inserted } }
}
