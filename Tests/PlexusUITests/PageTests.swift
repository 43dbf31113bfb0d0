import CommandTesting
import Foundation
import HummingbirdTesting
import PlexusKit
import PlexusStore
import XCTest
@testable import PlexusUI

/// Every page and filter over a synthetic database with hostile names, through Hummingbird's test client.
final class PageTests: XCTestCase {
    var database = ""

    override func setUpWithError() throws {
        database = try temporaryFolder(for: self, prefix: "ui") + "/runs.db"
        try Databases.synthetic(at: database, runs: 30)
    }

    func testRunsPageFiltersSortsAndPages() async throws {
        try await withSite(database) { get in
            let all = try await get("/")
            XCTAssertEqual(all.status, .ok)
            XCTAssertTrue(all.text.contains("30 runs"))
            XCTAssertTrue(all.text.contains("href=\"/run/30\""))
            let fetched1 = try await get("/?pipeline=forecast")
            XCTAssertEqual(fetched1.text.components(separatedBy: "<td>forecast</td>").count - 1, 10)
            let fetched2 = try await get("/?pipeline=forecast")
            XCTAssertFalse(fetched2.text.contains("<td>classify</td>"))
            let fetched3 = try await get("/?status=failed")
            XCTAssertTrue(fetched3.text.contains("3 runs"))
            let fetched4 = try await get("/?dataset=2")
            XCTAssertTrue(fetched4.text.contains("8 runs"))
            // accuracy is index % 100 / 100: runs 26-30 have 0.25-0.29 (run id = index + 1).
            let fetched5 = try await get("/?metric=" + encoded("accuracy >= 0.25"))
            XCTAssertTrue(fetched5.text.contains("5 runs"))
            let fetched6 = try await get("/?metric=accuracy+%3E%3D+0.25")
            XCTAssertTrue(fetched6.text.contains("5 runs"), "a form's + for a space")
            let fetched7 = try await get("/?metric=" + encoded("baseline.accuracy < 0.01"))
            XCTAssertTrue(fetched7.text.contains("2 runs"))
            let fetched8 = try await get("/?metric=" + encoded("test/model.accuracy = 0.1"))
            XCTAssertTrue(fetched8.text.contains("1 run <a"))
            let fetched9 = try await get("/?pipeline=classify&status=completed&metric=" + encoded("accuracy > 0.1"))
            XCTAssertTrue(fetched9.text.contains("6 runs"))

            let ascending = try await get("/?sort=metric&dir=asc").text
            XCTAssertLessThan(ascending.range(of: "href=\"/run/1\"")!.lowerBound, ascending.range(of: "href=\"/run/2\"")!.lowerBound)
            let descending = try await get("/?sort=metric&dir=desc").text
            XCTAssertLessThan(descending.range(of: "href=\"/run/30\"")!.lowerBound, descending.range(of: "href=\"/run/29\"")!.lowerBound)
            for column in RunBrowser.SortColumn.allCases {
                let fetched10 = try await get("/?sort=\(column.rawValue)")
                XCTAssertEqual(fetched10.status, .ok, column.rawValue)
            }

            let csv = try await get("/?csv=runs&pipeline=demo")
            XCTAssertEqual(csv.status, .ok)
            XCTAssertEqual(csv.headers[.contentType], "text/csv; charset=utf-8")
            XCTAssertEqual(csv.text.split(separator: "\r\n").count, 11, "header and the 10 demo runs")

            for bad in ["/?status=bogus", "/?metric=accuracy", "/?metric=" + encoded("accuracy >= x"), "/?sort=bogus", "/?page=x", "/?dataset=x"] {
                let response = try await get(bad)
                XCTAssertEqual(response.status, .badRequest, bad)
                XCTAssertTrue(response.text.contains("expected"), bad)
            }
        }
    }

    func testRunsArePaged() async throws {
        let many = try temporaryFolder(for: self, prefix: "ui") + "/sixty.db"
        try Databases.synthetic(at: many, runs: 60, epochs: 1)
        try await withSite(many) { get in
            let response = try await get("/?page=2")
            XCTAssertEqual(response.status, .ok)
            XCTAssertTrue(response.text.contains("rows 51–60 of 60"))
            XCTAssertTrue(response.text.contains("href=\"/run/10\""), "the 10 oldest runs on page 2")
            XCTAssertFalse(response.text.contains("href=\"/run/11\""))
            let fetched11 = try await get("/")
            XCTAssertTrue(fetched11.text.contains("href=\"/?page=2\">next</a>"))
        }
    }

    func testRunPageShowsEverythingAndExportsEachTable() async throws {
        try await withSite(database) { get in
            let page = try await get("/run/1")
            XCTAssertEqual(page.status, .ok)
            for part in ["Run 1: classify", "Dataset (lineage)", "Configuration", "Loss per epoch", "<svg", "<title>Loss per epoch</title>",
                         "Final metrics: test", "<th>model</th><th>baseline</th>", "Artifacts", "smoothing"] {
                XCTAssertTrue(page.text.contains(part), part)
            }
            let fetched12 = try await get("/run/1?smooth=0.9")
            XCTAssertEqual(fetched12.status, .ok)
            let fetched13 = try await get("/run/1?smooth=2")
            XCTAssertEqual(fetched13.status, .badRequest)
            let epochs = try await get("/run/1?csv=epochs").text
            XCTAssertTrue(epochs.hasPrefix("epoch,train_loss,val_loss,metrics,seconds,learning_rate\r\n1,"))
            let metrics = try await get("/run/1?csv=metrics-test").text
            XCTAssertEqual(metrics, "metric,model,baseline\r\naccuracy,0,0\r\n")
            for id in ["run", "dataset", "artifacts"] { let fetched14 = try await get("/run/1?csv=\(id)"); XCTAssertEqual(fetched14.status, .ok, id) }
            let fetched15 = try await get("/run/1?csv=nothing")
            XCTAssertEqual(fetched15.status, .notFound)
            let fetched16 = try await get("/run/999")
            XCTAssertEqual(fetched16.status, .notFound)
            let fetched17 = try await get("/run/abc")
            XCTAssertEqual(fetched17.status, .badRequest)
        }
    }

    func testHostileNamesAreEscapedEverywhere() async throws {
        try await withSite(database) { get in
            for uri in ["/", "/run/1", "/run/2", "/compare?run=1&run=2"] {
                let page = try await get(uri).text
                XCTAssertFalse(page.contains("<script>alert"), uri)
                XCTAssertFalse(page.contains("<b>n"), uri)
                XCTAssertFalse(page.contains("<script>x"), uri)
            }
            let runs = try await get("/").text
            XCTAssertTrue(runs.contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"))
            XCTAssertTrue(runs.contains("prices &quot;quoted&quot;.csv"))
            let run = try await get("/run/1").text
            XCTAssertTrue(run.contains("&lt;script&gt;x&lt;/script&gt;.csv"))
            let second = try await get("/run/2").text
            XCTAssertTrue(second.contains("<td>../../etc/passwd</td>"), "a path is shown as text")
            XCTAssertFalse(second.contains("href=\"../") || run.contains("href=\"../"), "never as a link")
            XCTAssertEqual("<a href='x'>\"&\"</a>".xmlEscaped, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;")
        }
    }

    func testArtifactsAndImagesAreServedByDatabaseIDOnly() async throws {
        try await withSite(database) { get in
            let artifact = try await get("/artifact/1")
            XCTAssertEqual(artifact.status, .ok)
            XCTAssertEqual(artifact.text, "a,b")
            XCTAssertEqual(artifact.headers[.contentDisposition], "attachment; filename=\"script_.csv\"")
            XCTAssertNotNil(artifact.headers[.contentSecurityPolicy])
            for uri in ["/artifact/2", "/image/1", "/heatmap/1"] { let fetched18 = try await get(uri); XCTAssertEqual(fetched18.status, .notFound, uri) }
            for uri in ["/artifact/..%2F..%2Fetc%2Fpasswd", "/artifact/x"] { let fetched19 = try await get(uri); XCTAssertEqual(fetched19.status, .badRequest, uri) }
            for uri in ["/artifact/../../etc/passwd", "/runs/1/model.safetensors", "/../plexus.db"] {
                let fetched20 = try await get(uri)
                XCTAssertEqual(fetched20.status, .notFound, uri)
            }
            let fetched21 = try await get("/assets/plexus.js")
            XCTAssertEqual(fetched21.status, .ok)
            let fetched22 = try await get("/assets/plexus.css")
            XCTAssertEqual(fetched22.headers[.contentType], "text/css; charset=utf-8")
        }
    }

    func testCompareShowsOnlyDifferencesWhenAsked() async throws {
        try await withSite(database) { get in
            let all = try await get("/compare?run=1&run=2")
            XCTAssertEqual(all.status, .ok)
            for part in ["Parameters", "config.learning_rate", "config.epochs", "Epoch curves", "train_loss per epoch", "Final metrics"] {
                XCTAssertTrue(all.text.contains(part), part)
            }
            let differences = try await get("/compare?run=1&run=2&diff=1").text
            XCTAssertTrue(differences.contains("config.learning_rate"))
            XCTAssertFalse(differences.contains("config.epochs"), "same in both runs")
            let csv = try await get("/compare?run=1&run=2&diff=1&csv=parameters").text
            XCTAssertTrue(csv.hasPrefix("parameter,run 1 (classify),run 2 (forecast)\r\n"))
            XCTAssertTrue(csv.contains("config.learning_rate,0.01,0.001\r\n"))
            for bad in ["/compare?run=1", "/compare?run=1&run=1", "/compare?run=1&run=x", "/compare"] {
                let fetched23 = try await get(bad)
                XCTAssertEqual(fetched23.status, .badRequest, bad)
            }
            let fetched24 = try await get("/compare?run=1&run=999")
            XCTAssertEqual(fetched24.status, .notFound)
        }
    }

    /// A thousand runs: the runs page, a filtered and sorted one, a run page, and a compare page, each timed.
    func testThousandRunsStayResponsive() async throws {
        let many = try temporaryFolder(for: self, prefix: "ui") + "/thousand.db"
        try Databases.synthetic(at: many, runs: 1000, epochs: 20)
        try await withSite(many) { get in
            for uri in ["/", "/?pipeline=classify&metric=" + encoded("accuracy >= 0.5") + "&sort=metric", "/?page=20", "/run/500",
                        "/compare?run=1&run=500&run=1000"] {
                let start = Date()
                let response = try await get(uri)
                let seconds = Date().timeIntervalSince(start)
                XCTAssertEqual(response.status, .ok, uri)
                print("plexus ui, 1,000 runs: \(uri) loaded in \(String(format: "%.3f", seconds)) s (\(response.body.count) bytes)")
            }
            let fetched25 = try await get("/")
            XCTAssertTrue(fetched25.text.contains("1000 runs"))
        }
    }
}
