import GRDB
import Foundation
import Plexus
import PlexusStore
import XCTest
@testable import ForecastPipeline

/// `forecast --target volatility` end to end on small GARCH-simulated series.
final class VolatilityPipelineTests: XCTestCase {
    var directory = ""
    var store: Store!

    override func setUpWithError() throws {
        directory = temporaryDirectory()
        store = try ForecastTables.open(path: directory + "/plexus.db")
    }

    /// Daily OHLC whose close-to-close returns (percent) follow σ²_t = 0.05 + 0.1 r²_{t-1} + 0.85 σ²_{t-1}; High and
    /// Low stretch beyond open and close by an amount that scales with σ_t.
    static func garchCSV(days: Int, seed: UInt64) -> (dates: [PriceDate], rows: [(open: Double, high: Double, low: Double, close: Double)]) {
        var rng = RandomGenerator(seed: seed)
        var close = 100.0, variance = 1.0, previous = 0.0
        var rows: [(Double, Double, Double, Double)] = []
        for _ in 0..<days {
            variance = 0.05 + 0.1 * previous * previous + 0.85 * variance
            previous = variance.squareRoot() * Double(rng.nextNormal())
            let open = close
            close *= exp(previous / 100)
            let stretch = variance.squareRoot() / 100
            let high = max(open, close) * exp(stretch * abs(Double(rng.nextNormal())) * 0.5)
            let low = min(open, close) * exp(-stretch * abs(Double(rng.nextNormal())) * 0.5)
            rows.append((open, high, low, close))
        }
        let start = PriceDate(year: 2020, month: 1, day: 1)
        return ((0..<days).map { start.addingWeekdays($0) }, rows)
    }

    func writeCSV(_ dates: [PriceDate], _ rows: [(open: Double, high: Double, low: Double, close: Double)], name: String) throws -> String {
        let path = directory + "/" + name
        try write((["Date,Open,High,Low,Close,Volume"] + zip(dates, rows).map { "\($0),\($1.open),\($1.high),\($1.low),\($1.close),1000" })
            .joined(separator: "\n") + "\n", to: path)
        return path
    }

    func runVolatility(_ path: String, _ change: (inout ForecastOptions) -> Void = { _ in }) throws -> VolatilityReport {
        var options = smallOptions(prices: path, pipeline: try linearPipeline(in: directory), directory: directory)
        options.volatilityProxy = "auto"
        change(&options)
        let reports = try ForecastPipeline.runVolatility(ForecastPipeline.plan(options), store: store)
        XCTAssertEqual(reports.count, 1)
        return reports[0]
    }

    func testEndToEndStoresEveryModelsVarianceForecasts() throws {
        let (dates, rows) = Self.garchCSV(days: 400, seed: 1)
        let report = try runVolatility(try writeCSV(dates, rows, name: "garch.csv"))
        XCTAssertEqual(report.proxy, .parkinson)
        XCTAssertEqual(try store.run(id: report.runID)?.status, .completed)
        XCTAssertEqual(report.testOrigins, 98)  // origins 299 … 396 with h = 3
        try store.query { db in
            let counts = try Row.fetchAll(db, sql: """
                select model, count(*) as n, count(actual) as tested, min(horizon) as h from forecasts
                where run_id = ? and target = 'volatility' group by model order by model
                """, arguments: [report.runID])
            XCTAssertEqual(counts.map { $0["model"] as String }, ["ewma", "garch", "historical_mean", "linear"])
            for row in counts {
                XCTAssertEqual(row["n"] as Int, 99)  // every test origin, and the one after the data
                XCTAssertEqual(row["tested"] as Int, 98)
                XCTAssertEqual(row["h"] as Int, 3)
            }
            // The stored actual is the realised Parkinson variance of the 3 days after the origin.
            let first = try Row.fetchOne(db, sql: "select origin, date, actual from forecasts where run_id = ? and model = 'garch' order by origin limit 1",
                                         arguments: [report.runID])!
            XCTAssertEqual(first["origin"] as String, dates[299].description)
            XCTAssertEqual(first["date"] as String, dates[302].description)
            let parkinson = (300...302).map { pow(100 * log(rows[$0].high / rows[$0].low), 2) / (4 * log(2.0)) }.reduce(0, +)
            XCTAssertEqual(first["actual"] as Double, parkinson, accuracy: 1e-9 * parkinson)
            // The stored QLIKE, recomputed from the rows.
            let qlike = try Double.fetchOne(db, sql: """
                select avg(actual / predicted - ln(actual / predicted) - 1) from forecasts where run_id = ? and model = 'linear' and actual is not null
                """, arguments: [report.runID])!
            XCTAssertEqual(report.metrics["linear.qlike"]!, qlike, accuracy: 1e-9)
            let config = try String.fetchOne(db, sql: "select config from runs where id = ?", arguments: [report.runID])!
            XCTAssertTrue(config.contains("\"target\":\"volatility\"") && config.contains("\"volatility_proxy\":\"parkinson\""), config)
        }
        for model in ["linear", "garch", "ewma", "historical_mean"] {
            for metric in ["qlike", "mse", "mz_r2"] { XCTAssertNotNil(report.metrics["\(model).\(metric)"], "\(model).\(metric)") }
        }
        for model in ["linear", "ewma", "historical_mean"] { XCTAssertNotNil(report.metrics["\(model).dm_p_value"], model) }
        for model in ["linear", "garch", "ewma", "historical_mean"] { XCTAssertGreaterThan(report.metrics["\(model).qlike"]!, 0, model) }
        XCTAssertTrue(report.verdict.contains("GARCH(1,1)"), report.verdict)
    }

    func runQuantiles(_ path: String, _ change: (inout ForecastOptions) -> Void = { _ in }) throws -> QuantileReport {
        var options = smallOptions(prices: path, pipeline: try linearPipeline(in: directory), directory: directory)
        options.quantiles = try QuantileLevels(parsing: "0.05,0.5,0.95")
        change(&options)
        let reports = try ForecastPipeline.runQuantiles(ForecastPipeline.plan(options), store: store)
        XCTAssertEqual(reports.count, 1)
        return reports[0]
    }

    func testQuantileRunStoresEveryLevelAndItsBacktests() throws {
        let (dates, rows) = Self.garchCSV(days: 400, seed: 4)
        let report = try runQuantiles(try writeCSV(dates, rows, name: "q.csv"))
        XCTAssertEqual(try store.run(id: report.runID)?.status, .completed)
        try store.query { db in
            let counts = try Row.fetchAll(db, sql: """
                select model, count(*) as n, count(actual) as tested, count(distinct quantile) as levels from forecasts
                where run_id = ? and target = 'quantile' group by model order by model
                """, arguments: [report.runID])
            XCTAssertEqual(counts.map { $0["model"] as String }, ["garch", "historical_simulation", "linear"])
            for row in counts {
                XCTAssertEqual(row["n"] as Int, 99 * 3)
                XCTAssertEqual(row["tested"] as Int, 98 * 3)
                XCTAssertEqual(row["levels"] as Int, 3)
            }
            // Quantiles never cross, and the stored coverage is the share of actual returns below the quantile.
            let crossed = try Int.fetchOne(db, sql: """
                select count(*) from forecasts a join forecasts b using (run_id, model, origin)
                where run_id = ? and a.quantile < b.quantile and a.predicted > b.predicted
                """, arguments: [report.runID])
            XCTAssertEqual(crossed, 0)
            for model in ["linear", "garch", "historical_simulation"] {
                let coverage = try Double.fetchOne(db, sql: "select avg(actual < predicted) from forecasts where run_id = ? and model = ? and quantile = 0.05 and actual is not null",
                                                   arguments: [report.runID, model])!
                XCTAssertEqual(report.metrics["\(model).coverage.q0.05"]!, coverage, accuracy: 1e-12, model)
                for name in ["kupiec_p_value", "christoffersen_p_value", "conditional_coverage_p_value", "pinball"] {
                    XCTAssertNotNil(report.metrics["\(model).\(name).q0.95"], "\(model).\(name)")
                }
            }
            // The actual is the 3-day log return in percent.
            let first = try Row.fetchOne(db, sql: "select actual from forecasts where run_id = ? and model = 'garch' order by origin limit 1", arguments: [report.runID])!
            XCTAssertEqual(first["actual"] as Double, 100 * log(rows[302].close / rows[299].close), accuracy: 1e-9)
        }
        XCTAssertTrue(report.valueAtRisk.hasPrefix("5% VaR (3-day): share of test returns below it, linear "), report.valueAtRisk)
    }

    /// Perturbing the prices and ranges after an origin leaves every model's forecast at it unchanged, to the bit,
    /// for both targets, trained once or refitted every 30 origins.
    func testNoLookAhead() throws {
        let (dates, rows) = Self.garchCSV(days: 400, seed: 2)
        let cut = 330
        var perturbed = rows
        for index in (cut + 1)..<rows.count {
            let factor = 1 + 0.05 * sin(Double(index))
            perturbed[index] = (rows[index].open * factor, rows[index].high * factor * 1.01, rows[index].low * factor, rows[index].close * factor)
        }
        let (original, changed) = (try writeCSV(dates, rows, name: "a.csv"), try writeCSV(dates, perturbed, name: "b.csv"))
        for retrainEvery in [nil, 30] {
            // (run, run on the perturbed file, models, rows per origin)
            let runs: [(Int64, Int64, [String], Int)] = [
                (try runVolatility(original) { $0.retrainEvery = retrainEvery }.runID, try runVolatility(changed) { $0.retrainEvery = retrainEvery }.runID,
                 ["linear", "garch", "ewma", "historical_mean"], 4),
                (try runQuantiles(original) { $0.retrainEvery = retrainEvery }.runID, try runQuantiles(changed) { $0.retrainEvery = retrainEvery }.runID,
                 ["linear", "garch", "historical_simulation"], 3 * 3),
            ]
            for (a, b, models, rowsPerOrigin) in runs {
                let sql = "select model, origin, quantile, predicted from forecasts where run_id = ? and actual is not null order by model, origin, quantile"
                let before = try store.query { try Row.fetchAll($0, sql: sql, arguments: [a]) }
                let after = try store.query { try Row.fetchAll($0, sql: sql, arguments: [b]) }
                XCTAssertEqual(before.count, after.count)
                var same = 0, later: [String: Int] = [:]
                for (x, y) in zip(before, after) {
                    let origin = dates.firstIndex { $0.description == (x["origin"] as String) }!
                    if origin <= cut {
                        XCTAssertEqual(x["predicted"] as Double, y["predicted"] as Double, "\(x["model"] as String) at \(x["origin"] as String)")
                        same += 1
                    } else if (x["predicted"] as Double) != (y["predicted"] as Double) {
                        later[x["model"], default: 0] += 1
                    }
                }
                XCTAssertEqual(same, (cut - 299 + 1) * rowsPerOrigin)
                for model in models { XCTAssertGreaterThan(later[model, default: 0], 0, model) }
            }
        }
    }

    func testProxyNeedsHighAndLow() throws {
        let (dates, rows) = Self.garchCSV(days: 400, seed: 3)
        let closes = directory + "/closes.csv"
        try write((["Date,Close"] + zip(dates, rows).map { "\($0),\($1.close)" }).joined(separator: "\n") + "\n", to: closes)
        XCTAssertEqual(try runVolatility(closes).proxy, .squaredReturns)
        XCTAssertThrowsError(try runVolatility(closes) { $0.volatilityProxy = "parkinson" }) { error in
            XCTAssertEqual("\(error)", "\(closes): 'closes': --volatility-proxy parkinson needs High and Low columns; the file has none (use --volatility-proxy squared)")
        }
        var broken = rows
        broken[10].low = broken[10].high * 1.1
        let path = try writeCSV(dates, broken, name: "broken.csv")
        XCTAssertThrowsError(try runVolatility(path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): 'broken' \(dates[10]): Parkinson's estimator needs High ≥ Low > 0"), "\(error)")
        }
        XCTAssertThrowsError(try runVolatility(path) { $0.volatilityProxy = "range" }) { error in
            XCTAssertEqual("\(error)", "--volatility-proxy must be auto, squared or parkinson, found 'range'")
        }
    }
}
