import Foundation
import Plexus
import PlexusCharts
import PlexusKit
import PlexusStore

/// What one ticker's volatility run did, for the summary.
public struct VolatilityReport {
    public let runID: Int64
    public let ticker: String
    public let model: String
    public let proxy: VolatilityProxy
    public let horizon: Int
    public let testOrigins: Int
    public let history: History
    public let trainings: Int
    /// `metrics` rows: `<model>.<metric>`, see `VolatilityMetrics`.
    public let metrics: [String: Double]
    /// Each model's forecast of the realised variance of the `horizon` days after the data.
    public let ahead: [HorizonForecast]
    public let artifacts: [String]
    public let seconds: Double

    init(_ result: HorizonRunResult, ticker: String, split: SeriesSplit, proxy: VolatilityProxy, plan: ForecastPipeline.Plan) {
        (runID, self.ticker, model, self.proxy, horizon, testOrigins) = (result.runID, ticker, plan.network.name, proxy, plan.options.horizon, split.testOrigins.count)
        (history, trainings, metrics, ahead, artifacts, seconds) = (result.history, result.trainings, result.metrics, result.ahead, result.artifacts, result.seconds)
    }
}

/// `forecast --target volatility`: the network forecasts the realised variance of the next h days (the sum of the
/// daily variances of `VolatilityProxy`) at the same walk-forward origins as a price run, next to GARCH(1,1),
/// RiskMetrics EWMA and the historical mean, each fitted on the same training part (refitted with the network at
/// every `--retrain-every` block).
extension ForecastPipeline {
    public static func runVolatility(_ plan: Plan, store: Store) throws -> [VolatilityReport] {
        let datasetID = try registerPrices(plan, store: store)
        if plan.options.global { return try runGlobalVolatility(plan, datasetID: datasetID, store: store) }
        return try plan.series.map { series, split in
            try runVolatilityTicker(series, split: split, plan: plan, datasetID: datasetID, store: store)
        }
    }

    /// The ticker's daily variance with its proxy (from `--volatility-proxy` and whether the file has High and Low), logged.
    private static func dailyVariance(_ series: PriceSeries, plan: Plan) throws -> (proxy: VolatilityProxy, daily: DailyVariance) {
        let proxy = try VolatilityProxy.choose(plan.options.volatilityProxy ?? "auto", hasRange: series.hasRange)
        let daily = try DailyVariance(series: series, proxy: proxy, path: plan.file.path)
        plan.options.log("\(series.ticker): \(series.count) prices from \(series.dates.first!) to \(series.dates.last!); daily variance: "
            + (proxy == .parkinson ? "Parkinson's range estimator (High and Low)" : "squared close-to-close log returns")
            + "; target: the realised variance of the next \(plan.options.horizon) days (%², log returns × 100)")
        return (proxy, daily)
    }

    private static func runVolatilityTicker(_ series: PriceSeries, split: SeriesSplit, plan: Plan, datasetID: Int64,
                                            store: Store) throws -> VolatilityReport {
        let (options, network) = (plan.options, plan.network)
        let (proxy, daily) = try dailyVariance(series, plan: plan)
        options.log("Network '\(network.name)': the \(options.window) standardised log daily variances" + inputsNote(plan.extra(series))
                    + " up to an origin in, the log realised variance out")
        var config = runConfig(series: series, split: split, plan: plan, target: "volatility")
        config.volatilityProxy = proxy
        config.baselines = FittedVolatilityModels.baselineNames
        let result = try recordHorizonRun(series, split: split, plan: plan, datasetID: datasetID, store: store, target: "volatility", config: config,
                                          keyMetric: "\(network.name).qlike", fit: { end, record in
            volatilityBlock(try fitVolatility(daily, extra: plan.extra(series), end: end, network: network, setup: plan.setup, options: options, record: record),
                            series: series, proxy: proxy, daily: daily, end: end, options: options)
        }, metrics: { VolatilityMetrics.table($0, horizon: options.horizon) }, charts: volatilityCharts(plan))
        return VolatilityReport(result, ticker: series.ticker, split: split, proxy: proxy, plan: plan)
    }

    /// `--global --target volatility`: one network trained on every ticker's pooled windows (see `recordGlobalHorizon`).
    private static func runGlobalVolatility(_ plan: Plan, datasetID: Int64, store: Store) throws -> [VolatilityReport] {
        let (options, network, setup) = (plan.options, plan.network, plan.setup)
        let variances = try plan.series.map { try dailyVariance($0.series, plan: plan) }
        var config = runConfig(series: plan.series[0].series, split: plan.series[0].split, plan: plan, target: "volatility")
        config.volatilityProxy = Set(variances.map(\.proxy)).count == 1 ? variances[0].proxy : nil
        config.baselines = FittedVolatilityModels.baselineNames
        let results = try recordGlobalHorizon(plan, datasetID: datasetID, store: store, target: "volatility", config: config, keyMetric: "qlike",
                                              outputs: 1, loss: setup.loss(default: .mse), samples: { index in
            VolatilitySamples(variances[index].daily, extra: plan.extra(plan.series[index].series), end: plan.series[index].split.testStart,
                              options: options, validationFraction: setup.validationSplit)
        }, block: { samples, index, built, history in
            volatilityBlock(try volatilityModels(samples, built: built, history: history, name: network.name, setup: setup, options: options),
                            series: plan.series[index].series, proxy: variances[index].proxy, daily: samples.daily, end: samples.end, options: options)
        }, metrics: { VolatilityMetrics.table($0, horizon: options.horizon) }, charts: volatilityCharts(plan))
        return zip(plan.series, zip(results, variances)).map { ticker, result in
            VolatilityReport(result.0, ticker: ticker.series.ticker, split: ticker.split, proxy: result.1.proxy, plan: plan)
        }
    }

    /// The fitted models of one block as the walk-forward sees them: every model's forecasts with the realised
    /// variance where the data has it, and the network's preprocessing for its card.
    private static func volatilityBlock(_ fitted: FittedVolatilityModels, series: PriceSeries, proxy: VolatilityProxy, daily: DailyVariance, end: Int,
                                        options: ForecastOptions) -> FittedBlock {
        let horizon = options.horizon
        let preprocessing = VolatilityPreprocessing(ticker: series.ticker, proxy: proxy, window: options.window, horizon: horizon,
                                                    scaling: fitted.network.scaling, calibration: fitted.network.calibration,
                                                    trainedThrough: series.dates[end - 1].description, inputs: fitted.network.inputs.recorded)
        return FittedBlock(built: fitted.built, history: fitted.history, preprocessing: preprocessing) { origins in
            try fitted.all.flatMap { model in
                zip(origins, try model.forecast(daily, origins: origins, horizon: horizon)).map { origin, predicted in
                    HorizonForecast(model: model.name, origin: origin, predicted: predicted,
                                    actual: origin + horizon < series.count ? daily.realised(origin: origin, horizon: horizon) : nil)
                }
            }
        }
    }

    private static func volatilityCharts(_ plan: Plan) -> HorizonCharts {
        { run, series, folder, forecasts in
            [try run.artifact(folder + "volatility.svg", kind: "chart", figure: volatilityChart(ticker: series.ticker, model: plan.network.name, dates: series.dates,
                                                                                                 horizon: plan.options.horizon, forecasts: forecasts))]
        }
    }

    /// Realised volatility (the square root of the realised variance of the h days after each test origin) against
    /// the network's and GARCH's forecasts of it.
    static func volatilityChart(ticker: String, model: String, dates: [PriceDate], horizon: Int, forecasts: [HorizonForecast]) -> Figure {
        var chart = LineChart(xTitle: "origin", yTitle: "\(horizon)-day volatility, %")
        func line(_ name: String) -> [(Double, Double)] {
            forecasts.filter { $0.model == name }.sorted { $0.origin < $1.origin }.map { (Double($0.origin), $0.predicted.squareRoot()) }
        }
        let realised = forecasts.filter { $0.model == model }.sorted { $0.origin < $1.origin }.map { (Double($0.origin), $0.actual!.squareRoot()) }
        chart.series.append(.init(name: "realised", points: realised, color: Color(hex: 0x999999), width: 1))
        chart.series.append(.init(name: "garch", points: line("garch"), color: .orange, width: 1.5))
        chart.series.append(.init(name: model, points: line(model), color: .blue, width: 1.5))
        if let first = realised.first?.0, let end = realised.last?.0 {
            let step = max(1, Int(Axis.niceStep((end - first) / 7)))
            chart.xTicks = stride(from: Int(first), through: Int(end), by: step).map { (Double($0), String(dates[$0].description.prefix(7))) }
        }
        return Figure(title: "\(ticker): realised \(horizon)-day volatility and its forecasts at each test origin", [chart])
    }
}
