import Foundation
import GRDB
import Plexus
import PlexusStore
import XCTest
@testable import ForecastPipeline

/// A fresh folder under the system's temporary directory.
func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-tests-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A daily series with some structure to learn: log returns r_t = 0.0004 + 0.3·r_{t-1} + 0.01·ε_t from 100,
/// on weekdays from 2020-01-01.
func syntheticSeries(days: Int, seed: UInt64) -> (dates: [PriceDate], prices: [Double]) {
    var rng = RandomGenerator(seed: seed)
    var prices = [100.0], previous = 0.0
    for _ in 1..<days {
        let change = 0.0004 + 0.3 * previous + 0.01 * Double(rng.nextNormal())
        prices.append(prices.last! * exp(change))
        previous = change
    }
    let start = PriceDate(year: 2020, month: 1, day: 1)
    return ((0..<days).map { start.addingWeekdays($0) }, prices)
}

/// The series as a Yahoo Finance style CSV (ISO dates, `Adj Close` the price, other columns derived from it).
func yahooCSV(dates: [PriceDate], prices: [Double]) -> String {
    var lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for (date, price) in zip(dates, prices) {
        lines.append("\(date),\(price * 0.999),\(price * 1.01),\(price * 0.99),\(price),\(price),1000")
    }
    return lines.joined(separator: "\n") + "\n"
}

/// A pipeline file with a linear network (fast in debug builds), `epochs` epochs.
func linearPipeline(in directory: String, epochs: Int = 4) throws -> String {
    let path = directory + "/linear.yml"
    try """
    name: linear
    model:
      input: [10, 1]
      layers:
        - flatten
        - linear: {units: 3}
    training: {epochs: \(epochs), batch_size: 16, optimizer: adam, learning_rate: 0.01, loss: mse, early_stopping: {patience: 3}, validation_split: 0.25}
    """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// Options for a small, quick, silent run.
func smallOptions(prices: String, pipeline: String, directory: String) -> ForecastOptions {
    var options = ForecastOptions(pricesPath: prices)
    options.pipelinePath = pipeline
    options.window = 10
    options.horizon = 3
    options.testFraction = 0.25
    options.seed = 7
    options.outputDirectory = directory + "/out"
    options.progress = .silent
    return options
}

/// A long file, `Date,Ticker,Open,High,Low,Close,Volume`, of each ticker's days.
func longCSV(_ dates: [PriceDate], _ tickers: [(String, [InputsTests.Day])]) -> String {
    var lines = ["Date,Ticker,Open,High,Low,Close,Volume"]
    for (ticker, days) in tickers {
        lines += zip(dates, days).map { "\($0),\(ticker),\($1.open),\($1.high),\($1.low),\($1.close),\($1.volume)" }
    }
    return lines.joined(separator: "\n") + "\n"
}

/// `predicted` repeats its run's forecasts ahead (the stored rows without an actual) for its ticker: every model's
/// point and interval to 1e-9.
func assertRepeatsForecastsAhead(_ predicted: PredictReport, store: Store, file: StaticString = #filePath, line: UInt = #line) throws {
    let stored = try store.query {
        try Row.fetchAll($0, sql: "select model, horizon, predicted, lower, upper from forecasts where run_id = ? and ticker = ? and actual is null order by model, horizon",
                         arguments: [predicted.runID, predicted.ticker])
    }
    let points = predicted.points.sorted { ($0.model, $0.horizon) < ($1.model, $1.horizon) }
    XCTAssertEqual(points.count, stored.count, file: file, line: line)
    XCTAssertFalse(stored.isEmpty, file: file, line: line)
    for (point, row) in zip(points, stored) {
        XCTAssertEqual(point.model, row["model"], file: file, line: line)
        XCTAssertEqual(point.predicted, row["predicted"] as Double, accuracy: 1e-9, file: file, line: line)
        XCTAssertEqual(point.lower, row["lower"] as Double, accuracy: 1e-9, file: file, line: line)
        XCTAssertEqual(point.upper, row["upper"] as Double, accuracy: 1e-9, file: file, line: line)
    }
}
