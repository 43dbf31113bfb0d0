import Foundation
import Plexus
import PlexusKit
import PlexusStore

/// What a `--global` model card keeps: each ticker's preprocessing (its scalers and interval calibrations).
struct GlobalPreprocessing: Codable {
    var global = true
    var series: [ForecastPreprocessing]
}

/// `forecast --global`: one network trained on the windows of every ticker of a multi-ticker file (a wide file's
/// columns, a long file's tickers), as Darts and neuralforecast train global models, next to the default of one
/// network per ticker. Each ticker keeps its own scalers, fitted on its own training part; the fit and validation
/// windows of all tickers are pooled. Evaluation is per ticker, as in a per-ticker run: the same walk-forward test
/// origins, baselines, intervals calibrated on that ticker's validation windows, metrics.
///
/// One recorded run: `global: true` and the tickers in its config, one `forecasts` series per ticker, metrics named
/// `<ticker>/<model>.<metric>` plus each model's MASE averaged over the tickers (`<model>.mase`, the key metric;
/// MASE is scale-free, so the mean means something), the charts in a folder per ticker.
extension ForecastPipeline {
    static func checkGlobal(_ plan: Plan) throws {
        let options = plan.options
        guard plan.series.count > 1 else {
            throw ForecastError("--global trains one network on several tickers; \(plan.file.path) has \(plan.series.count == 1 && options.ticker == nil ? "one" : "one chosen with --ticker")")
        }
        guard options.volatilityProxy == nil && options.quantiles == nil else {
            throw ForecastError("--global trains price networks (--target returns or price); volatility and quantile runs are one network per ticker")
        }
        if options.retrainEvery != nil { throw ForecastError("--global trains once; --retrain-every is for one network per ticker") }
        if options.resume != nil { throw ForecastError("--resume continues runs of one ticker; a --global run starts afresh") }
    }

    public static func runGlobal(_ plan: Plan, store: Store) throws -> [TickerReport] {
        try checkGlobal(plan)  // (`plan` checked it too when `options.global` is set)
        let start = Date()
        let (options, network, setup) = (plan.options, plan.network, plan.setup)
        let datasetID = try registerPrices(plan, store: store)
        let samples = plan.series.map { series, split in
            PriceSamples(prices: series.prices, extra: plan.extra(series), end: split.testStart, options: options, validationFraction: setup.validationSplit)
        }
        let tickers = plan.series.map(\.series.ticker)
        options.log("Global network '\(network.name)' (\(network.file)) for \(tickers.count) tickers: "
                    + zip(plan.series, samples).map { "\($0.series.ticker) \($1.origins.fit.count) + \($1.origins.validation.count)" }.joined(separator: ", ")
                    + " fit + validation windows, each ticker scaled on its own training part" + inputsNote(plan.extra(plan.series[0].series)))
        options.log(summary(try network.build(window: options.window, features: plan.features, horizon: options.horizon, seed: options.seed).model,
                            inputShape: [options.window, plan.features]))

        var config = runConfig(series: plan.series[0].series, split: plan.series[0].split, plan: plan, target: options.target.rawValue)
        (config.global, config.tickers, config.ticker) = (true, tickers, tickers.joined(separator: ","))
        return try store.record(pipeline: "forecast", datasetID: datasetID, config: config, seed: options.seed,
                                outputDirectory: options.outputDirectory, resume: nil) { run in
            options.log(trainingNote(network: network, setup: setup, options: options))
            let (built, history) = try train(network, samples: samples, setup: setup, options: options, record: run)
            var recorded: [(series: PriceSeries, split: SeriesSplit, ahead: [ForecastPoint], aheadDates: [PriceDate], metrics: [String: Double],
                            charts: [String])] = []
            var cards: [ForecastPreprocessing] = []
            var mase: [String: [Double]] = [:]
            for ((series, split), samples) in zip(plan.series, samples) {
                let fitted = try calibrated(samples, model: built.model, name: network.name, setup: setup, options: options)
                let points = try fitted.forecast(series.prices, origins: split.testOrigins, horizon: options.horizon)
                let folder = series.ticker.map { $0.isLetter || $0.isNumber || "-_.^".contains($0) ? $0 : "_" }
                let results = try recordTicker(series, split: split, points: points, final: fitted, model: network.name, options: options, run: run,
                                               prefix: "\(series.ticker)/", folder: String(folder) + "/")
                for model in [network.name] + NetworkDefinition.baselineNames.sorted() {
                    if let value = results.metrics["\(model).mase"] { mase[model, default: []].append(value) }
                }
                cards.append(fitted.preprocessing(ticker: series.ticker, trainedThrough: series.dates[split.testStart - 1]))
                recorded.append((series, split, results.ahead, results.aheadDates, results.metrics, results.charts))
            }
            run.metrics("test", Dictionary(uniqueKeysWithValues: mase.map { ("\($0.key).mase", $0.value.reduce(0, +) / Double($0.value.count)) }))
            run.keyMetric("test", "\(network.name).mase")
            let card = try ModelCard(pipeline: "forecast", built: built, preprocessing: GlobalPreprocessing(series: cards))
            let shared = [try run.model(built.model, card: card), try run.artifact("loss.svg", kind: "chart", figure: ForecastCharts.loss(history, model: network.name))]
            let seconds = Date().timeIntervalSince(start)
            return recorded.map { ticker in
                TickerReport(runID: run.id, ticker: ticker.series.ticker, series: ticker.series, split: ticker.split, model: network.name,
                             history: history, trainings: 1, metrics: ticker.metrics, intervalLevel: options.intervalLevel, ahead: ticker.ahead,
                             aheadDates: ticker.aheadDates, artifacts: shared + ticker.charts, seconds: seconds)
            }
        }
    }
}
