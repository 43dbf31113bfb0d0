import GRDB
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore
import XCTest
@testable import ForecastPipeline

/// `target:` and `inputs:` in pipeline files, `--inputs`: extra per-day inputs, other tickers, and their look-ahead.
final class InputsTests: XCTestCase {
    var directory = ""
    var store: Store!

    override func setUpWithError() throws {
        directory = temporaryDirectory()
        store = try ForecastTables.open(path: directory + "/plexus.db")
    }

    typealias Day = (open: Double, high: Double, low: Double, close: Double, volume: Double)

    /// Two tickers, AAA and BBB, of GARCH-like OHLC with a volume that grows with the day's move.
    static func twoTickers(days: Int) -> (dates: [PriceDate], a: [Day], b: [Day]) {
        func ticker(_ seed: UInt64) -> [Day] {
            let (_, rows) = VolatilityPipelineTests.garchCSV(days: days, seed: seed)
            return rows.map { ($0.open, $0.high, $0.low, $0.close, 1e6 * (1 + 50 * abs(log($0.close / $0.open)))) }
        }
        let (dates, _) = VolatilityPipelineTests.garchCSV(days: days, seed: 1)
        return (dates, ticker(1), ticker(2))
    }

    func writeLong(_ dates: [PriceDate], _ tickers: [(String, [Day])], name: String) throws -> String {
        try write(longCSV(dates, tickers), to: directory + "/" + name)
        return directory + "/" + name
    }

    func options(_ path: String, pipeline: String? = nil) throws -> ForecastOptions {
        smallOptions(prices: path, pipeline: try pipeline ?? linearPipeline(in: directory), directory: directory)
    }

    /// Runs the plan with the run function its target calls for; the first run's id.
    func run(_ options: ForecastOptions) throws -> Int64 {
        let plan = try ForecastPipeline.plan(options)
        if plan.options.volatilityProxy != nil { return try ForecastPipeline.runVolatility(plan, store: store)[0].runID }
        if plan.options.quantiles != nil { return try ForecastPipeline.runQuantiles(plan, store: store)[0].runID }
        return try ForecastPipeline.run(plan, store: store)[0].runID
    }

    func forecastRows(_ run: Int64) throws -> [Row] {
        try store.query {
            try Row.fetchAll($0, sql: "select model, origin, horizon, quantile, predicted from forecasts where run_id = ? and actual is not null order by model, origin, horizon, quantile",
                             arguments: [run])
        }
    }

    /// Every input after origin `cut` perturbed (AAA's open, high, low and volume, BBB's prices): every model's
    /// forecast at each origin up to `cut` stays the same to the bit, refitted every 20 origins. For prices, one input
    /// at a time, and the network's later forecasts change, so each input is read; for volatility and quantiles, all
    /// of them at once.
    func testNoLookAheadThroughAnyInput() throws {
        let (dates, a, b) = Self.twoTickers(days: 240)
        let cut = 200
        let original = try writeLong(dates, [("AAA", a), ("BBB", b)], name: "original.csv")
        func perturbed(_ name: String, _ inputs: Set<String>) throws -> String {
            var (a, b) = (a, b)
            for index in (cut + 1)..<a.count {
                let factor = 1 + 0.05 * abs(sin(Double(index)))
                if inputs.contains("open") { a[index].open *= factor }
                if inputs.contains("high") { a[index].high *= factor }
                if inputs.contains("low") { a[index].low /= factor }
                if inputs.contains("volume") { a[index].volume *= 3 * factor }
                if inputs.contains("BBB") { b[index].close *= factor }
            }
            return try writeLong(dates, [("AAA", a), ("BBB", b)], name: name + ".csv")
        }
        let all: Set = ["open", "high", "low", "volume", "BBB"]
        let everything = try perturbed("all", all)
        func rows(_ path: String, target: String) throws -> [Row] {
            var options = try options(path)
            options.targetName = target
            options.ticker = "AAA"
            options.inputs = ["open", "high", "low", "volume", "calendar", "BBB"]
            options.retrainEvery = 20
            return try forecastRows(run(options))
        }
        let cases = try all.sorted().map { ("returns", $0, try perturbed($0, [$0])) } + [("volatility", "all", everything), ("quantiles", "all", everything)]
        var originals: [String: [Row]] = [:]
        for (target, input, path) in cases {
            let before = try originals[target] ?? rows(original, target: target)
            originals[target] = before
            let after = try rows(path, target: target)
            XCTAssertEqual(before.count, after.count)
            var same = 0, later = 0
            for (x, y) in zip(before, after) {
                let origin = dates.firstIndex { $0.description == (x["origin"] as String) }!
                if origin <= cut {
                    XCTAssertEqual(x["predicted"] as Double, y["predicted"] as Double, "\(target), \(input): \(x["model"] as String) at \(x["origin"] as String)")
                    same += 1
                } else if x["model"] == "linear" && (x["predicted"] as Double) != (y["predicted"] as Double) {
                    later += 1
                }
            }
            XCTAssertGreaterThan(same, 0)
            XCTAssertGreaterThan(later, 0, "\(target): the network's forecasts after the cut ignore \(input)")
        }
    }

    /// The per-day values of each input, by hand.
    func testExtraColumnsByHand() throws {
        let path = directory + "/long.csv"
        // BBB has no row on 2024-01-03 (a Wednesday): its price there is the one of the day before.
        try write("""
            Date,Ticker,Open,High,Low,Close,Volume
            2024-01-01,AAA,10,11,9,10,100
            2024-01-02,AAA,10,12,10,11,300
            2024-01-03,AAA,11,11,8,9,
            2024-01-01,BBB,50,50,50,50,1
            2024-01-02,BBB,55,55,55,55,1
            2024-01-04,BBB,60,60,60,60,1

            """, to: path)
        let file = try PriceFile.load(path: path)
        let aaa = try file.series(named: "AAA")
        let inputs = try ExtraInput.parse(["high", "Low", "open", "volume", "calendar", "bbb"], file: file, forecast: ["AAA"]) { ForecastError($0) }
        let extra = try ExtraColumns(inputs, series: aaa, file: file)
        XCTAssertEqual(extra.names, ["high", "low", "open", "volume", "weekday_sin", "weekday_cos", "month_sin", "month_cos", "BBB"])
        func column(_ name: String) -> [Double] { extra.columns[extra.names.firstIndex(of: name)!] }
        XCTAssertEqual(column("high"), [log(11.0 / 10), log(12.0 / 11), log(11.0 / 9)])
        XCTAssertEqual(column("low"), [log(9.0 / 10), log(10.0 / 11), log(8.0 / 9)])
        XCTAssertEqual(column("open"), [0, log(10.0 / 11), log(11.0 / 9)])
        XCTAssertEqual(column("volume")[1], log(301.0 / 101), accuracy: 1e-12)
        XCTAssertEqual(column("volume")[2], 0)  // a missing volume repeats the day before's
        XCTAssertEqual(column("weekday_sin")[0], 0, accuracy: 1e-12)  // 2024-01-01 was a Monday
        XCTAssertEqual(column("weekday_cos")[2], cos(4 * Double.pi / 7), accuracy: 1e-12)
        XCTAssertEqual(column("month_cos"), [1, 1, 1])
        XCTAssertEqual(column("BBB"), [0, log(55.0 / 50), 0])

        // Scaled on the training part's days 1 … end-1 only.
        let scaling = InputScaling(fitting: extra, end: 3)
        XCTAssertEqual(scaling.means[extra.names.firstIndex(of: "high")!], (log(12.0 / 11) + log(11.0 / 9)) / 2, accuracy: 1e-12)
        XCTAssertEqual(scaling.stds[extra.names.firstIndex(of: "month_sin")!], 1)  // constant: left unscaled

        XCTAssertThrowsError(try ExtraInput.parse(["AAA"], file: file, forecast: ["AAA"]) { ForecastError("--inputs: " + $0) }) { error in
            XCTAssertEqual("\(error)", "--inputs: 'AAA' is a series being forecast; choose the forecast one with --ticker")
        }
        XCTAssertThrowsError(try ExtraInput.parse(["range"], file: file, forecast: ["AAA"]) { ForecastError("--inputs: " + $0) }) { error in
            XCTAssertEqual("\(error)", "--inputs: 'range' is neither one of open, high, low, volume, calendar nor a ticker of \(path) (other tickers: BBB)")
        }
        XCTAssertThrowsError(try ExtraInput.parse(["high", "HIGH"], file: file, forecast: ["AAA"]) { ForecastError("--inputs: " + $0) }) { error in
            XCTAssertEqual("\(error)", "--inputs: 'HIGH' is named twice")
        }
    }

    /// `target:`, `quantiles:` and `inputs:` in a pipeline file; the command line's flags override them; unknown
    /// values and a features count that disagrees are one line naming the file, the line and the key.
    func testPipelineFileKeys() throws {
        let (dates, a, b) = Self.twoTickers(days: 260)
        let prices = try writeLong(dates, [("AAA", a), ("BBB", b)], name: "prices.csv")
        func pipeline(_ keys: String, features: Int = 1) throws -> String {
            let path = directory + "/p.yml"
            try write("name: linear\n\(keys)\nmodel:\n  input: [10, \(features)]\n  layers: [flatten, linear: {units: 3}]\ntraining: {epochs: 1, validation_split: 0.25}\n",
                      to: path)
            return path
        }
        func plan(_ keys: String, features: Int = 1, _ change: (inout ForecastOptions) throws -> Void = { _ in }) throws -> ForecastPipeline.Plan {
            var options = try self.options(prices, pipeline: pipeline(keys, features: features))
            options.ticker = "AAA"
            try change(&options)
            return try ForecastPipeline.plan(options)
        }
        XCTAssertEqual(try plan("target: volatility").options.volatilityProxy, "auto")
        XCTAssertNil(try plan("target: volatility") { $0.targetName = "returns" }.options.volatilityProxy)
        XCTAssertEqual(try plan("target: price").options.target, .price)
        XCTAssertEqual(try plan("target: quantiles\nquantiles: [0.1, 0.9]").options.quantiles?.values, [0.1, 0.9])
        XCTAssertEqual(try plan("target: quantiles\nquantiles: [0.1, 0.9]") { $0.quantiles = try QuantileLevels(parsing: "0.5") }.options.quantiles?.values, [0.5])
        let withInputs = try plan("inputs: [high, volume, BBB]")
        XCTAssertEqual(withInputs.features, 4)
        XCTAssertEqual(withInputs.inputs["AAA"]?.names, ["high", "volume", "BBB"])
        XCTAssertEqual(try plan("inputs: [high, volume, BBB]", features: 4).features, 4)
        XCTAssertEqual(try plan("inputs: [high, volume, BBB]") { $0.inputs = ["calendar"] }.inputs["AAA"]?.names.count, 4)
        XCTAssertNotNil(try NetworkDefinition(path: PipelineFiles.builtin("forecast-volatility.yml")).pipeline.target)

        let file = directory + "/p.yml"
        func assertError(_ keys: String, features: Int = 1, _ expected: String, line: UInt = #line) {
            XCTAssertThrowsError(try plan(keys, features: features), line: line) { XCTAssertEqual("\($0)", expected, line: line) }
        }
        assertError("target: vol", "\(file):2: target: expected one of returns, price, volatility, quantiles, found 'vol'")
        assertError("target: quantiles\nquantiles: [0.9, 0.1]", "\(file):3: quantiles: the levels must increase, found 0.1 after 0.9")
        assertError("inputs: [high, nope]", "\(file):2: inputs: 'nope' is neither one of open, high, low, volume, calendar nor a ticker of \(prices) (other tickers: BBB)")
        assertError("inputs: [high]", features: 3,
                    "\(file):4: model: key 'input': [10, 3] has 3 features per day, but the inputs give 2 (the series itself and 1 extra); write 2, or 1 to take the count from the inputs")
        assertError("target: 3", "\(file):2: pipeline: key 'target': expected a string, found 3")

        let wide = directory + "/wide.csv"
        try write("Date,AAA,BBB\n" + zip(dates, zip(a, b)).map { "\($0),\($1.0.close),\($1.1.close)" }.joined(separator: "\n") + "\n", to: wide)
        var options = try self.options(wide)
        options.ticker = "AAA"
        options.inputs = ["BBB"]
        XCTAssertEqual(try ForecastPipeline.plan(options).features, 2)
        options.inputs = ["volume"]
        XCTAssertThrowsError(try ForecastPipeline.plan(options)) { error in
            XCTAssertEqual("\(error)", "\(wide): no 'volume' column for input 'volume' of 'AAA' (wide format (a column per ticker), 2 tickers: AAA, BBB)")
        }
    }

    /// A run with extra inputs records them in its config and their scaling in its model card; predict rebuilds them
    /// from the training CSV or the run's data set and repeats the run's forecasts ahead; a CSV without a column they
    /// need is one line naming it.
    func testRunRecordsItsInputsAndPredictRepeatsThem() throws {
        let (dates, a, b) = Self.twoTickers(days: 200)
        let path = try writeLong(dates, [("AAA", a), ("BBB", b)], name: "prices.csv")
        var options = try options(path)
        options.ticker = "AAA"
        options.inputs = ["high", "BBB", "calendar", "volume"]
        let runID = try run(options)
        let config = try store.query { try String.fetchOne($0, sql: "select config from runs where id = ?", arguments: [runID])! }
        let names = #"["high","BBB","weekday_sin","weekday_cos","month_sin","month_cos","volume"]"#
        XCTAssertTrue(config.contains(#""inputs":"# + names), config)
        let card = try store.query { try String.fetchOne($0, sql: "select card from models where run_id = ? and name = 'model'", arguments: [runID])! }
        XCTAssertTrue(card.contains(#""names":"# + names), card)
        for source in [path, nil] {
            let predicted = try ForecastPipeline.predict(store: store, runID: runID, pricesPath: source)
            XCTAssertEqual(predicted.map(\.ticker), ["AAA"])
            XCTAssertEqual(predicted[0].origin, dates.last)
            try assertRepeatsForecastsAhead(predicted[0], store: store)
        }
        let closes = directory + "/closes.csv"
        try write("Date,Close\n" + zip(dates, a).map { "\($0),\($1.close)" }.joined(separator: "\n") + "\n", to: closes)
        XCTAssertThrowsError(try ForecastPipeline.predict(store: store, runID: runID, pricesPath: closes)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(closes): no 'high' column for input 'high'"), "\(error)")
        }
    }
}
