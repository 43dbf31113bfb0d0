import Foundation
import Plexus
import PlexusCharts
import PlexusKit
import PlexusStore

/// What one ticker's quantile run did, for the summary.
public struct QuantileReport {
    public let runID: Int64
    public let ticker: String
    public let model: String
    public let levels: [Double]
    public let horizon: Int
    public let testOrigins: Int
    public let history: History
    public let trainings: Int
    /// `metrics` rows, see `QuantileMetrics`.
    public let metrics: [String: Double]
    /// Every model's quantiles of the h-day return after the data.
    public let ahead: [HorizonForecast]
    public let artifacts: [String]
    public let seconds: Double

    static let baselineNames = ["garch", "historical_simulation"]

    init(_ result: HorizonRunResult, ticker: String, split: SeriesSplit, plan: ForecastPipeline.Plan) {
        (runID, self.ticker, model, levels, horizon, testOrigins) = (result.runID, ticker, plan.network.name,
                                                                     plan.options.quantiles?.values ?? QuantileLevels.standard.values,
                                                                     plan.options.horizon, split.testOrigins.count)
        (history, trainings, metrics, ahead, artifacts, seconds) = (result.history, result.trainings, result.metrics, result.ahead, result.artifacts, result.seconds)
    }
}

/// What `predict` would need to repeat a quantile network's preprocessing, kept in its model card.
struct QuantilePreprocessing: Codable {
    var ticker: String
    var target = "quantiles"
    var levels: [Double]
    var window: Int
    var horizon: Int
    var scaler: SeriesScaler
    var trainedThrough: String
    var inputs: InputScaling?

    enum CodingKeys: String, CodingKey {
        case ticker, target, levels, window, horizon, scaler, inputs
        case trainedThrough = "trained_through"
    }
}

/// `forecast --target quantiles`: the network forecasts quantiles of the h-day log return with the pinball loss at
/// the walk-forward origins, next to GARCH(1,1) filtered historical simulation and plain historical simulation.
extension ForecastPipeline {
    public static func runQuantiles(_ plan: Plan, store: Store) throws -> [QuantileReport] {
        let datasetID = try registerPrices(plan, store: store)
        if plan.options.global { return try runGlobalQuantiles(plan, datasetID: datasetID, store: store) }
        return try plan.series.map { series, split in
            try runQuantileTicker(series, split: split, plan: plan, datasetID: datasetID, store: store)
        }
    }

    private static func runQuantileTicker(_ series: PriceSeries, split: SeriesSplit, plan: Plan, datasetID: Int64, store: Store) throws -> QuantileReport {
        let (options, network, levels) = (plan.options, plan.network, quantileLevels(plan))
        let data = quantileData(series, plan: plan)
        options.log("Network '\(network.name)': the \(options.window) standardised daily log returns" + inputsNote(plan.extra(series)) + " up to an origin in, one output per level, trained with the pinball loss (the pipeline file's loss does not apply)")
        let result = try recordHorizonRun(series, split: split, plan: plan, datasetID: datasetID, store: store, target: "quantile",
                                          config: quantileConfig(series, split: split, plan: plan), keyMetric: "\(network.name).pinball", fit: { end, record in
            quantileBlock(try fitQuantiles(data, extra: plan.extra(series), end: end, levels: levels, network: network, setup: plan.setup, options: options, record: record),
                          series: series, data: data, end: end, levels: levels, options: options)
        }, metrics: QuantileMetrics.table, charts: quantileCharts(plan))
        return QuantileReport(result, ticker: series.ticker, split: split, plan: plan)
    }

    /// `--global --target quantiles`: one network trained on every ticker's pooled windows (see `recordGlobalHorizon`).
    private static func runGlobalQuantiles(_ plan: Plan, datasetID: Int64, store: Store) throws -> [QuantileReport] {
        let (options, network, setup, levels) = (plan.options, plan.network, plan.setup, quantileLevels(plan))
        let data = plan.series.map { quantileData($0.series, plan: plan) }
        let results = try recordGlobalHorizon(plan, datasetID: datasetID, store: store, target: "quantile",
                                              config: quantileConfig(plan.series[0].series, split: plan.series[0].split, plan: plan), keyMetric: "pinball",
                                              outputs: levels.count, loss: .pinball(levels: levels.map(Float.init)), samples: { index in
            QuantileSamples(data[index], extra: plan.extra(plan.series[index].series), end: plan.series[index].split.testStart, levels: levels.count,
                            options: options, validationFraction: setup.validationSplit)
        }, block: { samples, index, built, history in
            quantileBlock(quantileModels(samples, built: built, history: history, name: network.name, setup: setup, options: options),
                          series: plan.series[index].series, data: samples.data, end: samples.end, levels: levels, options: options)
        }, metrics: QuantileMetrics.table, charts: quantileCharts(plan))
        return zip(plan.series, results).map { QuantileReport($1, ticker: $0.series.ticker, split: $0.split, plan: plan) }
    }

    private static func quantileLevels(_ plan: Plan) -> [Double] { plan.options.quantiles?.values ?? QuantileLevels.standard.values }

    /// The ticker's h-day returns, logged.
    private static func quantileData(_ series: PriceSeries, plan: Plan) -> ReturnQuantiles {
        plan.options.log("\(series.ticker): \(series.count) prices from \(series.dates.first!) to \(series.dates.last!); target: the quantiles "
                         + quantileLevels(plan).map { String(format: "%g", $0) }.joined(separator: ", ") + " of the \(plan.options.horizon)-day log return (%)")
        return ReturnQuantiles(prices: series.prices)
    }

    private static func quantileConfig(_ series: PriceSeries, split: SeriesSplit, plan: Plan) -> ForecastConfig {
        var config = runConfig(series: series, split: split, plan: plan, target: "quantiles")
        config.quantiles = quantileLevels(plan)
        config.baselines = QuantileReport.baselineNames
        return config
    }

    /// The fitted models of one block as the walk-forward sees them: every model's quantiles with the realised
    /// return where the data has it, and the network's preprocessing for its card.
    private static func quantileBlock(_ fitted: FittedQuantileModels, series: PriceSeries, data: ReturnQuantiles, end: Int, levels: [Double],
                                      options: ForecastOptions) -> FittedBlock {
        let horizon = options.horizon
        let preprocessing = QuantilePreprocessing(ticker: series.ticker, levels: levels, window: options.window, horizon: horizon, scaler: fitted.network.scaler,
                                                  trainedThrough: series.dates[end - 1].description, inputs: fitted.network.inputs.recorded)
        return FittedBlock(built: fitted.built, history: fitted.history, preprocessing: preprocessing) { origins in
            try ([fitted.network] + fitted.baselines).flatMap { model in
                zip(origins, try model.forecast(data, origins: origins, horizon: horizon, levels: levels)).flatMap { origin, row in
                    zip(levels, row).map { level, predicted in
                        HorizonForecast(model: model.name, origin: origin, level: level, predicted: predicted,
                                        actual: origin + horizon < series.count ? data.realised(origin: origin, horizon: horizon) : nil)
                    }
                }
            }
        }
    }

    private static func quantileCharts(_ plan: Plan) -> HorizonCharts {
        { run, series, folder, forecasts in
            [try run.artifact(folder + "quantiles.svg", kind: "chart", figure: fanChart(ticker: series.ticker, model: plan.network.name, dates: series.dates,
                                                                                         horizon: plan.options.horizon, forecasts: forecasts))]
        }
    }

    /// The realised h-day returns at the test origins inside the network's quantile fan: a band between each pair of
    /// levels symmetric about the median (outermost first, so the inner bands draw on top).
    static func fanChart(ticker: String, model: String, dates: [PriceDate], horizon: Int, forecasts: [HorizonForecast]) -> Figure {
        var chart = LineChart(xTitle: "origin", yTitle: "\(horizon)-day log return, %")
        let network = forecasts.filter { $0.model == model }
        let levels = Array(Set(network.compactMap(\.level))).sorted()
        func line(_ level: Double) -> [HorizonForecast] { network.filter { $0.level == level }.sorted { $0.origin < $1.origin } }
        for (lower, upper) in zip(levels, levels.reversed()) where lower < upper {
            let (low, high) = (line(lower), line(upper))
            chart.bands.append(.init(name: String(format: "%g–%g", lower, upper), x: low.map { Double($0.origin) }, lower: low.map(\.predicted),
                                     upper: high.map(\.predicted), color: .blue))
        }
        let median = levels.first { $0 == 0.5 } ?? levels[levels.count / 2]
        let centre = line(median)
        chart.series.append(.init(name: "realised", points: centre.map { (Double($0.origin), $0.actual!) }, color: Color(hex: 0x222222), width: 0.8))
        chart.series.append(.init(name: "\(model), q\(String(format: "%g", median))", points: centre.map { (Double($0.origin), $0.predicted) },
                                  color: .blue, width: 1.5))
        if let first = centre.first?.origin, let end = centre.last?.origin {
            let step = max(1, Int(Axis.niceStep(Double(end - first) / 7)))
            chart.xTicks = stride(from: first, through: end, by: step).map { (Double($0), String(dates[$0].description.prefix(7))) }
        }
        return Figure(title: "\(ticker): \(model)'s quantiles of the \(horizon)-day return at each test origin, and the realised return", [chart])
    }
}
