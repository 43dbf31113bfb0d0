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
        return try plan.series.map { series, split in
            try runQuantileTicker(series, split: split, plan: plan, datasetID: datasetID, store: store)
        }
    }

    private static func runQuantileTicker(_ series: PriceSeries, split: SeriesSplit, plan: Plan, datasetID: Int64, store: Store) throws -> QuantileReport {
        let (options, network, horizon) = (plan.options, plan.network, plan.options.horizon)
        let levels = options.quantiles?.values ?? QuantileLevels.standard.values
        let data = ReturnQuantiles(prices: series.prices)
        let dates = series.dates
        options.log("\(series.ticker): \(series.count) prices from \(dates.first!) to \(dates.last!); target: the quantiles "
                    + levels.map { String(format: "%g", $0) }.joined(separator: ", ") + " of the \(horizon)-day log return (%)")
        options.log("Network '\(network.name)': the \(options.window) standardised daily log returns" + inputsNote(plan.extra(series)) + " up to an origin in, one output per level, trained with the pinball loss (the pipeline file's loss does not apply)")
        var config = runConfig(series: series, split: split, plan: plan, target: "quantiles")
        config.quantiles = levels
        config.baselines = QuantileReport.baselineNames
        let result = try recordHorizonRun(series, split: split, plan: plan, datasetID: datasetID, store: store, target: "quantile", config: config,
                                          keyMetric: "\(network.name).pinball", fit: { end, record in
            let fitted = try fitQuantiles(data, extra: plan.extra(series), end: end, levels: levels, network: network, setup: plan.setup, options: options, record: record)
            let preprocessing = QuantilePreprocessing(ticker: series.ticker, levels: levels, window: options.window, horizon: horizon,
                                                      scaler: fitted.network.scaler,
                                                      trainedThrough: dates[end - 1].description, inputs: fitted.network.inputs.recorded)
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
        }, metrics: QuantileMetrics.table, charts: { run, forecasts in
            [try run.artifact("quantiles.svg", kind: "chart", figure: fanChart(ticker: series.ticker, model: network.name, dates: dates,
                                                                                horizon: horizon, forecasts: forecasts))]
        })
        return QuantileReport(runID: result.runID, ticker: series.ticker, model: network.name, levels: levels, horizon: horizon,
                              testOrigins: split.testOrigins.count, history: result.history, trainings: result.trainings, metrics: result.metrics,
                              ahead: result.ahead, artifacts: result.artifacts, seconds: result.seconds)
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
