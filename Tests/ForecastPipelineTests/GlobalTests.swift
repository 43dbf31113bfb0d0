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
            ({ $0.retrainEvery = 10 }, "--global trains once; --retrain-every is for one network per ticker"),
        ]
        for (change, expected) in cases {
            XCTAssertThrowsError(try globalRun(path, change)) { XCTAssertEqual("\($0)", expected) }
        }
        XCTAssertEqual(try count(), 0)
    }

    func count() throws -> Int { try store.query { try Int.fetchOne($0, sql: "select count(*) from runs")! } }

    /// Two files of tickers AAA and BBB, the second with BBB's prices, range and volume perturbed after day `cut`.
    func perturbedFiles(cut: Int) throws -> (dates: [PriceDate], original: String, perturbed: String) {
        let (dates, a, b) = InputsTests.twoTickers(days: 260)
        var changed = b
        for index in (cut + 1)..<b.count {
            let factor = 1 + 0.05 * abs(sin(Double(index)))
            changed[index] = (b[index].open * factor, b[index].high * factor * factor, b[index].low * factor, b[index].close * factor, b[index].volume * 2)
        }
        return (dates, try writeLong(dates, [("AAA", a), ("BBB", b)], name: "a.csv"), try writeLong(dates, [("AAA", a), ("BBB", changed)], name: "b.csv"))
    }

    /// Runs `before` and `after` (on `perturbedFiles`) have the same forecasts for AAA, and for BBB at origins up to
    /// `cut`, to the bit (`sql`'s `predicted`, and `lower` where it selects it); BBB's later network forecasts change.
    func assertOnlyLaterForecastsChange(_ before: Int64, _ after: Int64, sql: String, dates: [PriceDate], cut: Int, _ label: String = "") throws {
        let x = try store.query { try Row.fetchAll($0, sql: sql, arguments: [before]) }
        let y = try store.query { try Row.fetchAll($0, sql: sql, arguments: [after]) }
        XCTAssertEqual(x.count, y.count, label)
        var same = 0, later = 0
        for (p, q) in zip(x, y) {
            let origin = dates.firstIndex { $0.description == (p["origin"] as String) }!
            if p["ticker"] == "AAA" || origin <= cut {
                XCTAssertEqual(p["predicted"] as Double, q["predicted"] as Double, "\(label) \(p["ticker"] as String) \(p["model"] as String) at \(p["origin"] as String)")
                XCTAssertEqual(p["lower"] as Double?, q["lower"] as Double?, label)
                same += 1
            } else if p["model"] == "linear" && (p["predicted"] as Double) != (q["predicted"] as Double) {
                later += 1
            }
        }
        XCTAssertGreaterThan(same, x.count / 2, label)
        XCTAssertGreaterThan(later, 0, label)
    }

    /// Perturbing one ticker's prices, volume and range after origin `cut` leaves every forecast of the other ticker
    /// unchanged, and its own forecasts at origins up to `cut`, to the bit; its later network forecasts change.
    func testNoLookAheadAcrossTickers() throws {
        let cut = 215
        let (dates, original, perturbed) = try perturbedFiles(cut: cut)
        let (before, after) = (try globalRun(original)[0].runID, try globalRun(perturbed)[0].runID)
        try assertOnlyLaterForecastsChange(before, after, sql: "select ticker, model, origin, horizon, predicted, lower, upper from forecasts where run_id = ? and actual is not null order by ticker, model, origin, horizon",
                                           dates: dates, cut: cut)
    }

    /// A `--global` run of `target` (volatility or quantiles) on `path`: its run id, tickers and test origins.
    func globalHorizonRun(_ path: String, target: String) throws -> (runID: Int64, tickers: [String], testOrigins: [Int]) {
        var options = smallOptions(prices: path, pipeline: try linearPipeline(in: directory), directory: directory)
        (options.global, options.inputs, options.targetName) = (true, ["high", "volume"], target)
        let plan = try ForecastPipeline.plan(options)
        if target == "volatility" {
            let reports = try ForecastPipeline.runVolatility(plan, store: store)
            return (reports[0].runID, reports.map(\.ticker), reports.map(\.testOrigins))
        }
        let reports = try ForecastPipeline.runQuantiles(plan, store: store)
        return (reports[0].runID, reports.map(\.ticker), reports.map(\.testOrigins))
    }

    /// `--global` with the volatility and quantile targets: one run, one forecasts series per ticker (with its target,
    /// and a row per quantile level), metrics per ticker and the key metric's mean over them. Perturbing one ticker's
    /// prices, range and volume after origin `cut` leaves the other ticker's forecasts and its own up to `cut`
    /// unchanged, to the bit; its later network forecasts change.
    func testVolatilityAndQuantileTargets() throws {
        let cut = 215
        let (dates, original, perturbed) = try perturbedFiles(cut: cut)
        for (target, stored, key, rowsPerOrigin) in [("volatility", "volatility", "qlike", 4), ("quantiles", "quantile", "pinball", 3 * 5)] {
            let before = try globalHorizonRun(original, target: target)
            let after = try globalHorizonRun(perturbed, target: target)
            XCTAssertEqual(before.tickers, ["AAA", "BBB"])
            XCTAssertEqual(try store.run(id: before.runID)?.status, .completed)
            try store.query { db in
                let config = try String.fetchOne(db, sql: "select config from runs where id = ?", arguments: [before.runID])!
                XCTAssertTrue(config.contains(#""global":true"#) && config.contains(#""tickers":["AAA","BBB"]"#), config)
                let rows = try Row.fetchAll(db, sql: "select ticker, count(*) as n from forecasts where run_id = ? and target = ? and actual is not null group by ticker order by ticker",
                                            arguments: [before.runID, stored])
                XCTAssertEqual(rows.map { $0["ticker"] as String }, ["AAA", "BBB"], target)
                XCTAssertEqual(rows.map { $0["n"] as Int }, before.testOrigins.map { $0 * rowsPerOrigin }, target)
                func metric(_ name: String) throws -> Double? {
                    try Double.fetchOne(db, sql: "select value from metrics where run_id = ? and name = ?", arguments: [before.runID, name])
                }
                let perTicker = try ["AAA", "BBB"].map { try XCTUnwrap(metric("\($0)/linear.\(key)"), target) }
                XCTAssertEqual(try XCTUnwrap(metric("linear.\(key)")), (perTicker[0] + perTicker[1]) / 2, accuracy: 1e-12)
                XCTAssertNotNil(try metric("garch.\(key)"))
            }
            try assertOnlyLaterForecastsChange(before.runID, after.runID, sql: "select ticker, model, origin, quantile, predicted from forecasts where run_id = ? and actual is not null order by ticker, model, origin, quantile",
                                               dates: dates, cut: cut, target)
        }
    }
}
