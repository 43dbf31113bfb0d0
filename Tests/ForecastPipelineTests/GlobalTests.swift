import GRDB
import Foundation
import Plexus
import PlexusStore
import XCTest
@testable import ForecastPipeline

/// `forecast --global`: one network for every ticker of a file, evaluated per ticker.
final class GlobalTests: XCTestCase {
    var directory = ""
    var store: Store!

    override func setUpWithError() throws {
        directory = temporaryDirectory()
        store = try ForecastTables.open(path: directory + "/plexus.db")
    }

    func globalRun(_ path: String, _ change: (inout ForecastOptions) -> Void = { _ in }) throws -> [TickerReport] {
        var options = smallOptions(prices: path, pipeline: try linearPipeline(in: directory), directory: directory)
        options.global = true
        options.inputs = ["high", "volume"]
        change(&options)
        return try ForecastPipeline.runGlobal(ForecastPipeline.plan(options), store: store)
    }

    func writeLong(_ dates: [PriceDate], _ tickers: [(String, [InputsTests.Day])], name: String) throws -> String {
        try write(longCSV(dates, tickers), to: directory + "/" + name)
        return directory + "/" + name
    }

    /// One run: its config says global and names the tickers; one forecasts series and one set of metrics per ticker;
    /// each model's MASE averaged over the tickers; one model whose card keeps each ticker's scalers.
    /// predict (on the training file, or the run's data set) forecasts each ticker, repeating the run's forecasts ahead.
    func testOneRunForAllTickers() throws {
        let (dates, a, b) = InputsTests.twoTickers(days: 200)
        let path = try writeLong(dates, [("AAA", a), ("BBB", b)], name: "two.csv")
        let reports = try globalRun(path)
        XCTAssertEqual(reports.map(\.ticker), ["AAA", "BBB"])
        let runID = reports[0].runID
        XCTAssertEqual(reports[1].runID, runID)
        XCTAssertEqual(try store.run(id: runID)?.status, .completed)
        try store.query { db in
            let config = try String.fetchOne(db, sql: "select config from runs where id = ?", arguments: [runID])!
            XCTAssertTrue(config.contains(#""global":true"#) && config.contains(#""tickers":["AAA","BBB"]"#), config)
            let rows = try Row.fetchAll(db, sql: "select ticker, count(*) as n from forecasts where run_id = ? and model = 'linear' and actual is not null group by ticker",
                                        arguments: [runID])
            XCTAssertEqual(rows.map { $0["ticker"] as String }, ["AAA", "BBB"])
            XCTAssertEqual(rows.map { $0["n"] as Int }, reports.map { $0.split.testOrigins.count * 3 })
            func metric(_ name: String) throws -> Double? {
                try Double.fetchOne(db, sql: "select value from metrics where run_id = ? and name = ?", arguments: [runID, name])
            }
            for report in reports { XCTAssertEqual(try metric("\(report.ticker)/linear.mase"), report.metrics["linear.mase"]) }
            XCTAssertEqual(try metric("linear.mase")!, (reports[0].metrics["linear.mase"]! + reports[1].metrics["linear.mase"]!) / 2, accuracy: 1e-12)
            let card = try String.fetchOne(db, sql: "select card from models where run_id = ? and name = 'model'", arguments: [runID])!
            XCTAssertTrue(card.contains(#""global":true"#) && card.contains(#""ticker":"BBB""#), card)
        }
        for source in [path, nil] {
            let predicted = try ForecastPipeline.predict(store: store, runID: runID, pricesPath: source)
            XCTAssertEqual(predicted.map(\.ticker), ["AAA", "BBB"])
            for report in predicted { try assertRepeatsForecastsAhead(report, store: store) }
        }
    }

    func testWhatGlobalRunsRefuse() throws {
        let (dates, a, b) = InputsTests.twoTickers(days: 200)
        let path = try writeLong(dates, [("AAA", a), ("BBB", b)], name: "two.csv")
        let cases: [((inout ForecastOptions) -> Void, String)] = [
            ({ $0.ticker = "AAA" }, "--global trains one network on several tickers; \(path) has one chosen with --ticker"),
            ({ $0.targetName = "volatility" }, "--global trains price networks (--target returns or price); volatility and quantile runs are one network per ticker"),
            ({ $0.retrainEvery = 10 }, "--global trains once; --retrain-every is for one network per ticker"),
        ]
        for (change, expected) in cases {
            XCTAssertThrowsError(try globalRun(path, change)) { XCTAssertEqual("\($0)", expected) }
        }
        XCTAssertEqual(try count(), 0)
    }

    func count() throws -> Int { try store.query { try Int.fetchOne($0, sql: "select count(*) from runs")! } }

    /// Perturbing one ticker's prices, volume and range after origin `cut` leaves every forecast of the other ticker
    /// unchanged, and its own forecasts at origins up to `cut`, to the bit; its later network forecasts change.
    func testNoLookAheadAcrossTickers() throws {
        let (dates, a, b) = InputsTests.twoTickers(days: 260)
        let cut = 215
        var changed = b
        for index in (cut + 1)..<b.count {
            let factor = 1 + 0.05 * abs(sin(Double(index)))
            changed[index] = (b[index].open * factor, b[index].high * factor * factor, b[index].low * factor, b[index].close * factor, b[index].volume * 2)
        }
        let before = try globalRun(try writeLong(dates, [("AAA", a), ("BBB", b)], name: "a.csv"))[0].runID
        let after = try globalRun(try writeLong(dates, [("AAA", a), ("BBB", changed)], name: "b.csv"))[0].runID
        let sql = "select ticker, model, origin, horizon, predicted, lower, upper from forecasts where run_id = ? and actual is not null order by ticker, model, origin, horizon"
        let x = try store.query { try Row.fetchAll($0, sql: sql, arguments: [before]) }
        let y = try store.query { try Row.fetchAll($0, sql: sql, arguments: [after]) }
        XCTAssertEqual(x.count, y.count)
        var same = 0, later = 0
        for (p, q) in zip(x, y) {
            let origin = dates.firstIndex { $0.description == (p["origin"] as String) }!
            if p["ticker"] == "AAA" || origin <= cut {
                XCTAssertEqual(p["predicted"] as Double, q["predicted"] as Double, "\(p["ticker"] as String) \(p["model"] as String) at \(p["origin"] as String)")
                XCTAssertEqual(p["lower"] as Double, q["lower"] as Double)
                same += 1
            } else if p["model"] == "linear" && (p["predicted"] as Double) != (q["predicted"] as Double) {
                later += 1
            }
        }
        XCTAssertGreaterThan(same, x.count / 2)
        XCTAssertGreaterThan(later, 0)
    }
}
