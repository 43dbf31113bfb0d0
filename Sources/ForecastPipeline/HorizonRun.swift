import Foundation
import Plexus
import PlexusKit
import PlexusStore

/// The models one walk-forward block of a volatility or quantile run fitted, the network first.
struct FittedBlock {
    let built: BuiltModel
    let history: History
    /// The network's preprocessing, for its model card.
    let preprocessing: any Encodable
    /// Every model's forecasts at these origins (an actual value where the data has one).
    let forecast: ([Int]) throws -> [HorizonForecast]
}

/// What a volatility or quantile run recorded, for its report.
struct HorizonRunResult {
    let runID: Int64
    let forecasts: [HorizonForecast]
    /// Every model's forecasts from the last day of the data.
    let ahead: [HorizonForecast]
    let metrics: [String: Double]
    let history: History
    let trainings: Int
    let artifacts: [String]
    let seconds: Double
}

extension ForecastPipeline {
    /// The walk-forward of `--target volatility` and `--target quantiles`: at the test origins of the split, in blocks
    /// of `--retrain-every`, models fitted by `fit` on the data up to each block's first origin forecast the block's
    /// origins; then the last block's models forecast from the last day. One recorded run: the forecasts rows with
    /// `target`, the metrics, the network, the charts.
    static func recordHorizonRun(_ series: PriceSeries, split: SeriesSplit, plan: Plan, datasetID: Int64, store: Store, target: String,
                                 config: ForecastConfig, keyMetric: String, fit: (_ end: Int, _ record: RecordedRun?) throws -> FittedBlock,
                                 metrics: ([HorizonForecast]) -> [String: Double], charts: HorizonCharts) throws -> HorizonRunResult {
        let start = Date()
        let (options, network, setup) = (plan.options, plan.network, plan.setup)
        let blocks = walkForwardBlocks(split.testOrigins, every: options.retrainEvery)
        options.log("Test part \(series.dates[split.testStart]) … \(series.dates.last!): \(split.testOrigins.count) origins"
                    + (blocks.count > 1 ? ", refitted every \(options.retrainEvery!) origins (\(blocks.count) fits)" : ""))
        let directory = options.outputDirectory.map { plan.series.count > 1 ? "\($0)/\(series.ticker)" : $0 }
        return try store.record(pipeline: "forecast", datasetID: datasetID, config: config, seed: options.seed,
                                outputDirectory: directory, resume: options.resume) { run in
            var forecasts: [HorizonForecast] = []
            var latest: FittedBlock?
            var firstHistory: History?
            for (index, block) in blocks.enumerated() {
                if index == 0 { options.log(trainingNote(network: network, setup: setup, options: options)) }
                let fitted = try fit(block[0] + 1, index == 0 ? run : nil)
                if index == 0 { firstHistory = fitted.history }
                forecasts += try fitted.forecast(block)
                latest = fitted
            }
            let ahead = try latest!.forecast([series.count - 1])
            let recorded = try recordHorizonTicker(series, forecasts: forecasts, ahead: ahead, target: target, options: options, run: run,
                                                   metrics: metrics, charts: charts)
            run.keyMetric("test", keyMetric)
            let card = try ModelCard(pipeline: "forecast", built: latest!.built, preprocessing: latest!.preprocessing)
            let artifacts = [try run.model(latest!.built.model, card: card)] + recorded.charts
                + [try run.artifact("loss.svg", kind: "chart", figure: ForecastCharts.loss(firstHistory!, model: network.name))]
            return HorizonRunResult(runID: run.id, forecasts: forecasts, ahead: ahead, metrics: recorded.metrics, history: firstHistory!,
                                    trainings: blocks.count, artifacts: artifacts, seconds: Date().timeIntervalSince(start))
        }
    }

    /// One ticker's test forecasts and forecasts `ahead` from its last day recorded in `run`: the metrics (each name
    /// after `prefix`), the forecasts rows with `target`, the charts (in `folder`).
    static func recordHorizonTicker(_ series: PriceSeries, forecasts: [HorizonForecast], ahead: [HorizonForecast], target: String,
                                    options: ForecastOptions, run: RecordedRun, metrics: ([HorizonForecast]) -> [String: Double],
                                    charts: HorizonCharts, prefix: String = "", folder: String = "") throws
        -> (metrics: [String: Double], charts: [String]) {
        let aheadDate = futureDates(after: series.dates, count: options.horizon).last!
        let values = metrics(forecasts)
        run.metrics("test", Dictionary(uniqueKeysWithValues: values.map { (prefix + $0.key, $0.value) }))
        run.tables { transaction in
            try ForecastTables.insertHorizonForecasts(runID: run.id, ticker: series.ticker, target: target, dates: series.dates,
                                                      horizon: options.horizon, forecasts: forecasts + ahead, aheadDate: aheadDate, transaction)
        }
        return (values, try charts(run, series, folder, forecasts))
    }
}

/// A volatility or quantile run's charts of one ticker's test forecasts, written under the folder given (""
/// or "TICKER/"); their artifact paths.
typealias HorizonCharts = (_ run: RecordedRun, _ series: PriceSeries, _ folder: String, _ forecasts: [HorizonForecast]) throws -> [String]
