import CommandTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import PlexusKit
import PlexusStore
import XCTest
@testable import PlexusUI

/// The pages in a real browser: Debian's headless Chromium loads them from a live server over the end-to-end
/// database; the test reads the DOM after the page's script ran and keeps a screenshot of each page.
final class BrowserTests: XCTestCase {
    /// Where the screenshots are kept for a person to look at: `.build/plexus-ui-screenshots/` of the checkout.
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/plexus-ui-screenshots").path

    func testPagesRenderInHeadlessChromium() async throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("Debian's chromium is not installed (`make deps` installs it)")
        }
        let database = try Databases.endToEnd()
        let ids = try EndToEndPageTests.runIDs(database)
        let classify = try XCTUnwrap(ids["classify"]), score = try XCTUnwrap(ids["anomaly-score"]?.first)
        let pages = [
            ("runs", "/"), ("run-classify", "/run/\(classify[1])"), ("run-forecast", "/run/\(try XCTUnwrap(ids["forecast"]?.first))"),
            ("run-cluster", "/run/\(try XCTUnwrap(ids["cluster"]?.first))"), ("run-anomaly-score", "/run/\(score)"),
            ("compare-classify", "/compare?run=\(classify[0])&run=\(classify[1])&diff=1"),
        ]
        try FileManager.default.createDirectory(atPath: Self.screenshots, withIntermediateDirectories: true)
        let profile = try temporaryFolder(for: self, prefix: "ui")
        let app = Application(router: UIServer(store: try Store(readOnly: database)).router(),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let doms = DOMs()
        try await app.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            for (name, path) in pages {
                let screenshot = "\(Self.screenshots)/\(name).png"
                try? FileManager.default.removeItem(atPath: screenshot)
                let dom = try Self.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)",
                                                  "--window-size=1280,2000", "--virtual-time-budget=4000", "--hide-scrollbars",
                                                  "--screenshot=\(screenshot)", "--dump-dom", "http://127.0.0.1:\(port)\(path)"])
                doms.set(name, dom)
                XCTAssertTrue(FileManager.default.fileExists(atPath: screenshot), "no screenshot of \(name)")
                print("plexus ui: screenshot of \(path): \(screenshot)")
            }
        }
        let runs = doms.get("runs")
        XCTAssertEqual(runs.components(separatedBy: "<td><a href=\"/run/").count - 1, 6, "a row per run")
        XCTAssertTrue(runs.contains("<td>forecast</td>") && runs.contains("<td>anomaly-score</td>"))
        let classifyPage = doms.get("run-classify")
        XCTAssertTrue(classifyPage.contains("<svg"), "the epoch charts")
        XCTAssertNotNil(classifyPage.range(of: "<a class=\"cell\" href=\"/run/[0-9]+\\?actual=[^\"]+&amp;predicted=", options: .regularExpression),
                        "a confusion-matrix cell links to its images")
        XCTAssertFalse(classifyPage.contains("<img src=\"x\""), "a hostile class name stays text")
        let scorePage = doms.get("run-anomaly-score")
        XCTAssertNotNil(scorePage.range(of: "<img class=\"heatmap\"[^>]*data-natural-width=\"[1-9][0-9]*\"", options: .regularExpression),
                        "a heat map decoded in the browser")
        XCTAssertFalse(scorePage.contains("data-natural-width=\"0\""), "every picture decoded")
        XCTAssertTrue(scorePage.contains("ROC of the labelled scans"))
        XCTAssertEqual(doms.get("compare-classify").components(separatedBy: "<table class=\"matrix\">").count - 1, 2)
    }

    /// Runs the browser and returns what it printed (the DOM).
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try Data().write(to: output)
        defer { try? FileManager.default.removeItem(at: output) }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BrowseError("chromium exited with \(process.terminationStatus)") }
        return try String(contentsOf: output, encoding: .utf8)
    }
}

final class DOMs: @unchecked Sendable {
    private var pages: [String: String] = [:]
    private let lock = NSLock()
    func set(_ name: String, _ dom: String) { lock.withLock { pages[name] = dom } }
    func get(_ name: String) -> String { lock.withLock { pages[name] ?? "" } }
}
