import GRDB
import Foundation
import Plexus
import PlexusKit
import PlexusStore
import XCTest
@testable import ForecastPipeline

final class PipelineTests: XCTestCase {
    var directory = ""
    var store: Store!

    override func setUpWithError() throws {
        directory = temporaryDirectory()
        store = try ForecastTables.open(path: directory + "/plexus.db")
    }

    func count(_ table: String) throws -> Int {
        try store.query { try Int.fetchOne($0, sql: "select count(*) from \(table)")! }
    }

    /// Runs the small linear setup on `prices` (written to a CSV) and returns its single report.
    func runSmall(_ prices: [Double], dates: [PriceDate]? = nil, name: String = "prices.csv",
                  _ change: (inout ForecastOptions) -> Void = { _ in }) throws -> TickerReport {
        let path = directory + "/" + name
        try write(yahooCSV(dates: dates ?? syntheticSeries(days: prices.count, seed: 0).dates, prices: prices), to: path)
        var options = smallOptions(prices: path, pipeline: try linearPipeline(in: directory), directory: directory)
        change(&options)
        let reports = try ForecastPipeline.run(store: store, options: options)
        XCTAssertEqual(reports.count, 1)
        return reports[0]
    }

    func forecasts(run: Int64) throws -> [Row] {
        try store.query { try Row.fetchAll($0, sql: "select * from forecasts where run_id = ? order by model, origin, horizon", arguments: [run]) }
    }

    func testEndToEndOnASmallSeries() throws {
        let (dates, prices) = syntheticSeries(days: 160, seed: 1)
        let report = try runSmall(prices, dates: dates)
        XCTAssertEqual(try store.run(id: report.runID)?.status, .completed)
        XCTAssertEqual(report.split.testStart, 120)
        XCTAssertEqual(report.split.testOrigins.count, 38)  // origins 119…156

        try store.query { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "select count(*) from prices"), 160)
            XCTAssertEqual(try Double.fetchOne(db, sql: "select adj_close from prices where date = ?", arguments: [dates[42].description]), prices[42])
            // Every model at every test origin and horizon, plus the days ahead with no actual.
            XCTAssertEqual(try Int.fetchOne(db, sql: "select count(*) from forecasts where actual is not null"), 38 * 3 * 4)
            XCTAssertEqual(try String.fetchAll(db, sql: "select distinct model from forecasts order by model"),
                           ["drift", "linear", "moving_average", "naive"])
            let ahead = try Row.fetchAll(db, sql: "select * from forecasts where actual is null and model = 'linear' order by horizon")
            XCTAssertEqual(ahead.map { $0["origin"] as String }, Array(repeating: dates.last!.description, count: 3))
            XCTAssertEqual(ahead.map { $0["date"] as String }, (1...3).map { dates.last!.addingWeekdays($0).description })
            // The first test origin is the last training day, forecasting the first test days.
            XCTAssertEqual(try String.fetchOne(db, sql: "select min(origin) from forecasts where run_id = ?", arguments: [report.runID]),
                           dates[119].description)
            let names = Set(try String.fetchAll(db, sql: "select name from metrics where run_id = ? and split = 'test'", arguments: [report.runID]))
            for model in ["linear", "naive", "drift", "moving_average"] {
                for metric in ["mae", "rmse", "mape", "smape", "mase", "coverage", "interval_width"] {
                    XCTAssertTrue(names.contains("\(model).\(metric)"), "\(model).\(metric)")
                    XCTAssertTrue(names.contains("\(model).\(metric).h3"), "\(model).\(metric).h3")
                }
            }
            XCTAssertTrue(names.contains("linear.hit_rate"))
            XCTAssertFalse(names.contains("naive.hit_rate"))
            XCTAssertEqual(try Int.fetchOne(db, sql: "select count(*) from epochs where run_id = ?", arguments: [report.runID]), report.history.epochs.count)
            XCTAssertEqual(try String.fetchAll(db, sql: "select name from models where run_id = ? order by name", arguments: [report.runID]),
                           ["checkpoint", "model"])
            let config = try String.fetchOne(db, sql: "select config from runs where id = ?", arguments: [report.runID])!
            XCTAssertTrue(config.contains("\"window\":10") && config.contains("\"test_start\":\"\(dates[120])\""), config)
        }
        for name in ["model.safetensors", "forecast.svg", "forecast-recent.svg", "loss.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/out/" + name), name)
        }
        let chart = try String(contentsOfFile: directory + "/out/forecast.svg", encoding: .utf8)
        XCTAssertTrue(chart.hasPrefix("<svg") && chart.contains("<path") && chart.contains("linear, next 3 days"))
        XCTAssertTrue(report.verdict.hasPrefix("The linear "), report.verdict)
        XCTAssertTrue(report.metricsTable.contains("moving_average"))
    }

    func testPredictReproducesTheRunsForecastAndReadsANewerFile() throws {
        let (dates, prices) = syntheticSeries(days: 160, seed: 2)
        let report = try runSmall(Array(prices[..<150]), dates: Array(dates[..<150]))
        let predicted = try ForecastPipeline.predict(store: store, runID: report.runID, pricesPath: nil)
        XCTAssertEqual(predicted.count, 1)
        XCTAssertEqual(predicted[0].origin, dates[149])
        XCTAssertEqual(predicted[0].dates, (1...3).map { dates[149].addingWeekdays($0) })
        try assertRepeatsForecastsAhead(predicted[0], store: store)
        // Ten more days in a newer file: the forecast starts from its last price.
        let newer = directory + "/newer.csv"
        try write(yahooCSV(dates: dates, prices: prices), to: newer)
        let later = try ForecastPipeline.predict(store: store, runID: report.runID, pricesPath: newer)[0]
        XCTAssertEqual(later.origin, dates[159])
        XCTAssertEqual(later.originPrice, prices[159])
        XCTAssertEqual(later.points.first { $0.model == "naive" }?.predicted, prices[159])

        XCTAssertThrowsError(try ForecastPipeline.predict(store: store, runID: 99, pricesPath: nil)) { error in
            XCTAssertEqual("\(error)", "\(store.path): no run 99")
        }
    }

    /// The walk-forward promise: forecasts at an origin depend on the prices up to it only. Prices after origin
    /// `cut` are changed; every model's forecasts at origins up to `cut` must stay exactly the same, and the
    /// forecasts at later origins must change (or the test would pass for a pipeline that ignores its input).
    func assertNoLookAhead(_ change: (inout ForecastOptions) -> Void, file: StaticString = #filePath, line: UInt = #line) throws {
        let (dates, prices) = syntheticSeries(days: 200, seed: 3)
        let original = try runSmall(prices, dates: dates, name: "original.csv", change)
        let cut = original.split.testStart + 12
        var perturbed = prices
        for index in (cut + 1)..<prices.count { perturbed[index] *= 1 + 0.05 * sin(Double(index)) }
        let changed = try runSmall(perturbed, dates: dates, name: "perturbed.csv", change)

        let before = try forecasts(run: original.runID), after = try forecasts(run: changed.runID)
        XCTAssertEqual(before.count, after.count, file: file, line: line)
        var same = 0, differ: [String: Int] = [:]
        for (a, b) in zip(before, after) {
            XCTAssertEqual(a["origin"] as String, b["origin"] as String, file: file, line: line)
            let origin = dates.firstIndex { $0.description == (a["origin"] as String) }!
            if origin <= cut {
                XCTAssertEqual(a["predicted"] as Double, b["predicted"] as Double, "\(a["model"] as String) at \(a["origin"] as String)", file: file, line: line)
                XCTAssertEqual(a["lower"] as Double, b["lower"] as Double, file: file, line: line)
                XCTAssertEqual(a["upper"] as Double, b["upper"] as Double, file: file, line: line)
                same += 1
            } else if (a["predicted"] as Double) != (b["predicted"] as Double) {
                differ[a["model"], default: 0] += 1
            }
        }
        XCTAssertEqual(same, (cut - original.split.testStart + 2) * 3 * 4, file: file, line: line)
        for model in ["linear", "naive", "drift", "moving_average"] {
            XCTAssertGreaterThan(differ[model, default: 0], 0, "\(model)'s later forecasts did not change", file: file, line: line)
        }
    }

    func testNoLookAheadWhenTrainedOnce() throws {
        try assertNoLookAhead { _ in }
    }

    func testNoLookAheadWithRetraining() throws {
        try assertNoLookAhead { $0.retrainEvery = 10 }
    }

    func testRetrainingFitsOneModelPerBlock() throws {
        let (dates, prices) = syntheticSeries(days: 200, seed: 4)
        let once = try runSmall(prices, dates: dates, name: "once.csv")
        let retrained = try runSmall(prices, dates: dates, name: "retrained.csv") { $0.retrainEvery = 20 }
        XCTAssertEqual(once.trainings, 1)
        XCTAssertEqual(retrained.trainings, 3)  // 48 origins in blocks of 20
        // The first block is the same model; later blocks were refitted on more data.
        let a = try forecasts(run: once.runID).filter { $0["model"] == "linear" }
        let b = try forecasts(run: retrained.runID).filter { $0["model"] == "linear" }
        let firstOrigins = Set(once.split.testOrigins.prefix(20).map { dates[$0].description })
        // (Equal up to rounding: the test origins go through the network in batches of another composition.)
        for (x, y) in zip(a, b) where firstOrigins.contains(x["origin"]) {
            XCTAssertEqual(x["predicted"] as Double, y["predicted"] as Double, accuracy: 1e-6 * (x["predicted"] as Double))
        }
        XCTAssertNotEqual(a.map { $0["predicted"] as Double }, b.map { $0["predicted"] as Double })
    }

    /// The stored metrics, recomputed in SQL from the `forecasts` rows and the `prices` table.
    func testStoredMetricsEqualMetricsRecomputedFromForecastRows() throws {
        let (dates, prices) = syntheticSeries(days: 180, seed: 5)
        let report = try runSmall(prices, dates: dates)
        let testStart = dates[report.split.testStart].description
        try store.query { db in
            // MASE's scale: the mean absolute one-day change over the training part.
            let scale = try Double.fetchOne(db, sql: """
                select avg(abs(adj_close - previous)) from (
                    select adj_close, lag(adj_close) over (order by date) as previous, date from prices)
                where previous is not null and date < ?
                """, arguments: [testStart])!
            let rows = try Row.fetchAll(db, sql: """
                select f.model as model,
                       avg(abs(actual - predicted)) as mae,
                       sqrt(avg((actual - predicted) * (actual - predicted))) as rmse,
                       100 * avg(abs((actual - predicted) / actual)) as mape,
                       200 * avg(abs(actual - predicted) / (abs(actual) + abs(predicted))) as smape,
                       avg(actual between lower and upper) as coverage,
                       avg(upper - lower) as interval_width,
                       1.0 * sum((predicted > p.adj_close) = (actual > p.adj_close))
                           filter (where predicted != p.adj_close and actual != p.adj_close)
                           / count(*) filter (where predicted != p.adj_close and actual != p.adj_close) as hit_rate
                from forecasts f join prices p on p.date = f.origin
                where f.run_id = ? and actual is not null
                group by f.model
                """, arguments: [report.runID])
            XCTAssertEqual(rows.count, 4)
            for row in rows {
                let model: String = row["model"]
                let stored = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "select name, value from metrics where run_id = ? and name like ?",
                                                                               arguments: [report.runID, model + ".%"]).map { ($0["name"] as String, $0["value"] as Double) })
                for name in ["mae", "rmse", "mape", "smape", "coverage", "interval_width"] {
                    XCTAssertEqual(stored["\(model).\(name)"]!, row[name] as Double, accuracy: 1e-9 * max(1, abs(row[name] as Double)), "\(model).\(name)")
                }
                XCTAssertEqual(stored["\(model).mase"]!, (row["mae"] as Double) / scale, accuracy: 1e-9, "\(model).mase")
                XCTAssertEqual(stored["\(model).hit_rate"], row["hit_rate"] as Double?, "\(model).hit_rate")
            }
            // Per horizon: MAE at h = 2.
            let h2 = try Double.fetchOne(db, sql: "select avg(abs(actual - predicted)) from forecasts where run_id = ? and model = 'drift' and horizon = 2 and actual is not null",
                                         arguments: [report.runID])!
            XCTAssertEqual(report.metrics["drift.mae.h2"]!, h2, accuracy: 1e-9)
        }
    }

    func testSameSeedSameNumbers() throws {
        let (dates, prices) = syntheticSeries(days: 160, seed: 6)
        let a = try runSmall(prices, dates: dates)
        let b = try runSmall(prices, dates: dates)
        XCTAssertEqual(a.metrics, b.metrics)
        XCTAssertEqual(try count("datasets"), 1)  // the same file is the same data set, stored once
        XCTAssertEqual(try count("prices"), 160)
    }

    func testOneRunPerTickerOfALongFile() throws {
        let a = syntheticSeries(days: 120, seed: 7), b = syntheticSeries(days: 140, seed: 8)
        var lines = ["Date,Ticker,Close"]
        for (date, price) in zip(a.dates, a.prices) { lines.append("\(date),AAA,\(price)") }
        for (date, price) in zip(b.dates, b.prices) { lines.append("\(date),BBB,\(price)") }
        let path = directory + "/long.csv"
        try write(([lines[0]] + lines.dropFirst().reversed()).joined(separator: "\n"), to: path)  // any row order
        let options = smallOptions(prices: path, pipeline: try linearPipeline(in: directory), directory: directory)
        let reports = try ForecastPipeline.run(store: store, options: options)
        XCTAssertEqual(reports.map(\.ticker), ["AAA", "BBB"])
        XCTAssertEqual(reports.map(\.series.count), [120, 140])
        XCTAssertEqual(try count("runs"), 2)
        XCTAssertEqual(try store.query { try String.fetchAll($0, sql: "select distinct ticker from forecasts order by ticker") }, ["AAA", "BBB"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/out/BBB/forecast.svg"))
        XCTAssertEqual(try ForecastPipeline.predict(store: store, runID: reports[1].runID, pricesPath: nil).map(\.ticker), ["BBB"])
    }

    /// Each bad input fails with its one-line error before anything is written.
    func testBadInputFailsBeforeAnyRowIsWritten() throws {
        let pipeline = try linearPipeline(in: directory)
        let (dates, prices) = syntheticSeries(days: 160, seed: 9)
        let good = yahooCSV(dates: dates, prices: prices)
        let lines = good.split(separator: "\n").map(String.init)
        func replacing(_ row: Int, column: Int, with value: String) -> String {
            var copy = lines
            var fields = copy[row].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[column] = value
            copy[row] = fields.joined(separator: ",")
            return copy.joined(separator: "\n")
        }
        func needed(window: Int) -> Int {
            SeriesSplit.minimumCount(testFraction: 0.25, window: window, horizon: 3, validationFraction: 0.25)
        }
        let path = directory + "/bad.csv"
        let cases: [(String, String, (inout ForecastOptions) -> Void)] = [
            (replacing(7, column: 5, with: "12,5"), "\(path):8: expected 7 fields as in the header, found 8", { _ in }),
            (replacing(7, column: 5, with: "n/a"), "\(path):8: column 'Adj Close': expected a number, found \"n/a\"", { _ in }),
            (replacing(9, column: 0, with: dates[3].description), "\(path):10: column 'Date': duplicate date \(dates[3]) (first on line 5)", { _ in }),
            (replacing(30, column: 5, with: "0"),
             "\(path):31: column 'Adj Close': price 0.0 on \(dates[29]) is not positive; log returns need positive prices (use --target price to model scaled prices)", { _ in }),
            (replacing(30, column: 0, with: "2020-02-30"),
             "\(path):31: column 'Date': expected a date as YYYY-MM-DD or M/D/YYYY (optionally with a time), found \"2020-02-30\"", { _ in }),
            (lines.prefix(21).joined(separator: "\n"),
             "\(path): column 'Adj Close': 'bad' has 20 prices, too few for window 10 + horizon 3 with test fraction 0.25: at least \(needed(window: 10)) rows are needed",
             { _ in }),
            (good, "\(path): column 'Adj Close': 'bad' has 160 prices, too few for window 120 + horizon 3 with test fraction 0.25: at least \(needed(window: 120)) rows are needed",
             { $0.window = 120 }),
            (good, "\(path):1: no column 'Price' (columns: 'Date', 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume')", { $0.ingest.priceColumn = "Price" }),
            (good, "\(path): no ticker 'XYZ' (tickers: 'bad')", { $0.ticker = "XYZ" }),
            (good, "--horizon must be at least 1, found 0", { $0.horizon = 0 }),
            (good, "\(directory)/missing.yml: file not found", { $0.pipelinePath = self.directory + "/missing.yml" }),
        ]
        for (text, expected, change) in cases {
            try write(text, to: path)
            var options = smallOptions(prices: path, pipeline: pipeline, directory: directory)
            change(&options)
            XCTAssertThrowsError(try ForecastPipeline.run(store: store, options: options), expected) { error in
                XCTAssertEqual("\(error)", expected)
            }
            for table in ["runs", "datasets", "prices", "forecasts", "metrics", "epochs", "models"] {
                XCTAssertEqual(try count(table), 0, "\(table) after: \(expected)")
            }
        }
    }

    /// A run whose training blows up is marked failed and leaves no forecasts or metrics.
    func testFailedTrainingLeavesNoResults() throws {
        let (dates, prices) = syntheticSeries(days: 160, seed: 10)
        let path = directory + "/prices.csv"
        try write(yahooCSV(dates: dates, prices: prices), to: path)
        let pipeline = directory + "/diverge.yml"
        try write("name: boom\nmodel:\n  input: [10, 1]\n  layers:\n    - flatten\n    - linear: {units: 3}\ntraining: {optimizer: sgd, learning_rate: 1.0e+38, epochs: 3}\n",
                  to: pipeline)
        XCTAssertThrowsError(try ForecastPipeline.run(store: store, options: smallOptions(prices: path, pipeline: pipeline, directory: directory)))
        XCTAssertEqual(try store.run(id: 1)?.status, .failed)
        XCTAssertEqual(try count("forecasts"), 0)
        XCTAssertEqual(try count("metrics"), 0)
    }

    func testPipelineFileErrors() throws {
        func assertError(_ yaml: String, _ expected: String, line: UInt = #line) {
            XCTAssertThrowsError(try NetworkDefinition(yaml: yaml, file: "f.yml"), line: line) { error in
                XCTAssertEqual("\(error)", expected, line: line)
            }
        }
        assertError("model:\n  input: [10]\n  layers:\n    - linear: {units: 3}\n", "f.yml:2: model: key 'input': forecast needs [steps, features], found [10]")
        assertError("model:\n  input: [10, 1]\n  layers:\n    - lstm: {units: 3}\n",
                    "f.yml:4: layer 'lstm': the last layer must be 'linear' (forecast sets its units to --horizon)")
        assertError("name: naive\nmodel:\n  input: [10, 1]\n  layers:\n    - linear: {units: 3}\n", "f.yml:1: name 'naive' is taken by a baseline; choose another")
        let sequences = try NetworkDefinition(yaml: "model:\n  input: [10, 1]\n  layers:\n    - lstm: {units: 4, return_sequences: true}\n    - linear: {units: 1}\n", file: "f.yml")
        XCTAssertEqual(sequences.name, "network")
        XCTAssertThrowsError(try sequences.build(window: 10, horizon: 3, seed: 0)) { error in
            XCTAssertTrue("\(error)".hasPrefix("f.yml:5: the model maps [10, 1] to [10, 3], expected [3]"), "\(error)")
        }
    }

    /// The built-in pipeline files build for any window and horizon; the default one is an LSTM(64) then Dense(horizon).
    func testBuiltinPipelineFilesBuild() throws {
        for model in ForecastOptions.models {
            let definition = try NetworkDefinition(path: ForecastOptions.pipelinePath(model: model))
            XCTAssertEqual(definition.name, model)
            let network = try definition.build(window: 20, horizon: 7, seed: 1).model
            XCTAssertEqual(Autograd.withoutGradient { network(Tensor.zeros([2, 20, 1])) }.shape, [2, 7])
        }
        let lstm = try NetworkDefinition(path: ForecastOptions.pipelinePath(model: "lstm")).build(window: 60, horizon: 5, seed: 1).model
        XCTAssertTrue(lstm.layers[0] is LSTM)
        XCTAssertEqual(lstm.stateDict().map(\.tensor.shape), [[256, 1], [256, 64], [256], [256], [5, 64], [5]])
    }

    /// The default network, an LSTM, trains and forecasts end to end (small sizes keep it quick in debug builds).
    func testLSTMEndToEnd() throws {
        let pipeline = directory + "/lstm.yml"
        try write("name: lstm\nmodel:\n  input: [60, 1]\n  layers:\n    - lstm: {units: 8}\n    - linear: {units: 5}\ntraining: {epochs: 2, batch_size: 32}\n", to: pipeline)
        let (dates, prices) = syntheticSeries(days: 160, seed: 11)
        let report = try runSmall(prices, dates: dates) { $0.pipelinePath = pipeline }
        // The charts and weights are in `artifacts`; `predict` needs neither them nor the pipeline file on disk.
        XCTAssertEqual(try store.artifacts(runID: report.runID).map(\.name), ["forecast-recent.svg", "forecast.svg", "loss.svg", "model.safetensors"])
        XCTAssertTrue(try store.artifacts(runID: report.runID).allSatisfy { $0.bytes?.isEmpty == false })
        for path in report.artifacts { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.removeItem(atPath: pipeline)
        let card = try ModelCard.decode(try XCTUnwrap(store.loadModel(runID: report.runID, name: "model").card), source: "test")
        XCTAssertEqual(card.architecture.input, [10, 1], "the window as built, not the file's 60")
        XCTAssertEqual(card.outputShape, [3])
        XCTAssertEqual(report.model, "lstm")
        XCTAssertEqual(report.history.epochs.count, 2)
        XCTAssertNotNil(report.metrics["lstm.mase"])
        XCTAssertEqual(try ForecastPipeline.predict(store: store, runID: report.runID, pricesPath: nil)[0].points.filter { $0.model == "lstm" }.count, 3)
    }
}
