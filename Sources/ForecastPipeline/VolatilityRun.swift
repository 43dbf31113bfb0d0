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
}

/// `forecast --target volatility`: the network forecasts the realised variance of the next h days (the sum of the
/// daily variances of `VolatilityProxy`) at the same walk-forward origins as a price run, next to GARCH(1,1),
/// RiskMetrics EWMA and the historical mean, each fitted on the same training part (refitted with the network at
/// every `--retrain-every` block).
extension ForecastPipeline {
    public static func runVolatility(_ plan: Plan, store: Store) throws -> [VolatilityReport] {
        let datasetID = try registerPrices(plan, store: store)
        return try plan.series.map { series, split in
            try runVolatilityTicker(series, split: split, plan: plan, datasetID: datasetID, store: store)
        }
    }

    private static func runVolatilityTicker(_ series: PriceSeries, split: SeriesSplit, plan: Plan, datasetID: Int64,
                                            store: Store) throws -> VolatilityReport {
        let (options, network, horizon) = (plan.options, plan.network, plan.options.horizon)
        let proxy = try VolatilityProxy.choose(options.volatilityProxy ?? "auto", hasRange: series.hasRange)
        let daily = try DailyVariance(series: series, proxy: proxy, path: plan.file.path)
        let dates = series.dates
        options.log("\(series.ticker): \(series.count) prices from \(dates.first!) to \(dates.last!); daily variance: "
            + (proxy == .parkinson ? "Parkinson's range estimator (High and Low)" : "squared close-to-close log returns")
            + "; target: the realised variance of the next \(horizon) days (%², log returns × 100)")
        options.log("Network '\(network.name)': the \(options.window) standardised log daily variances" + inputsNote(plan.extra(series))
                    + " up to an origin in, the log realised variance out")

        var config = runConfig(series: series, split: split, plan: plan, target: "volatility")
        config.volatilityProxy = proxy
        config.baselines = FittedVolatilityModels.baselineNames
        let result = try recordHorizonRun(series, split: split, plan: plan, datasetID: datasetID, store: store, target: "volatility", config: config,
                                          keyMetric: "\(network.name).qlike", fit: { end, record in
            let fitted = try fitVolatility(daily, extra: plan.extra(series), end: end, network: network, setup: plan.setup, options: options, record: record)
            let preprocessing = VolatilityPreprocessing(ticker: series.ticker, proxy: proxy, window: options.window, horizon: horizon,
                                                        scaling: fitted.network.scaling, calibration: fitted.network.calibration,
                                                        trainedThrough: dates[end - 1].description, inputs: fitted.network.inputs.recorded)
            return FittedBlock(built: fitted.built, history: fitted.history, preprocessing: preprocessing) { origins in
                try fitted.all.flatMap { model in
                    zip(origins, try model.forecast(daily, origins: origins, horizon: horizon)).map { origin, predicted in
                        HorizonForecast(model: model.name, origin: origin, predicted: predicted,
                                        actual: origin + horizon < series.count ? daily.realised(origin: origin, horizon: horizon) : nil)
                    }
                }
            }
        }, metrics: { VolatilityMetrics.table($0, horizon: horizon) }, charts: { run, forecasts in
            [try run.artifact("volatility.svg", kind: "chart", figure: volatilityChart(ticker: series.ticker, model: network.name, dates: dates,
                                                                                        horizon: horizon, forecasts: forecasts))]
        })
        return VolatilityReport(runID: result.runID, ticker: series.ticker, model: network.name, proxy: proxy, horizon: horizon,
                                testOrigins: split.testOrigins.count, history: result.history, trainings: result.trainings, metrics: result.metrics,
                                ahead: result.ahead, artifacts: result.artifacts, seconds: result.seconds)
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
