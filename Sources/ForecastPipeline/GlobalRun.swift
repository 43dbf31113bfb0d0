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
/// MASE is scale-free, so the mean means something), the charts in a folder per ticker. Volatility and quantile
/// runs do the same with `recordGlobalHorizon` (their key metrics, QLIKE and pinball, averaged likewise).
extension ForecastPipeline {
    static func checkGlobal(_ plan: Plan) throws {
        let options = plan.options
        guard plan.series.count > 1 else {
            throw ForecastError("--global trains one network on several tickers; \(plan.file.path) has \(plan.series.count == 1 && options.ticker == nil ? "one" : "one chosen with --ticker")")
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
            let (built, history) = try train(network, samples: samples, outputs: options.horizon, loss: setup.loss(default: .mse), setup: setup,
                                             options: options, record: run)
            var recorded: [(series: PriceSeries, split: SeriesSplit, ahead: [ForecastPoint], aheadDates: [PriceDate], metrics: [String: Double],
                            charts: [String])] = []
            var cards: [ForecastPreprocessing] = []
            var mase: [String: [Double]] = [:]
            for ((series, split), samples) in zip(plan.series, samples) {
                let fitted = try calibrated(samples, model: built.model, name: network.name, setup: setup, options: options)
                let points = try fitted.forecast(series.prices, origins: split.testOrigins, horizon: options.horizon)
                let results = try recordTicker(series, split: split, points: points, final: fitted, model: network.name, options: options, run: run,
                                               prefix: "\(series.ticker)/", folder: tickerFolder(series.ticker))
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

    /// "AAA/": a ticker's folder for its charts.
    static func tickerFolder(_ ticker: String) -> String {
        String(ticker.map { $0.isLetter || $0.isNumber || "-_.^".contains($0) ? $0 : "_" }) + "/"
    }

    /// The `--global` run of `--target volatility` or `quantiles`: `samples(i)` is ticker i's training part (scaled on
    /// its own), one network with `outputs` outputs is trained with `loss` on all tickers' pooled windows, and
    /// `block(samples, i, …)` makes it ticker i's forecaster next to the baselines fitted on that ticker; each ticker's
    /// test origins are then recorded as in a one-ticker run, metrics after "TICKER/", plus every model's `keyMetric`
    /// averaged over the tickers. One result per ticker.
    static func recordGlobalHorizon<Samples: TrainingSamples>(
        _ plan: Plan, datasetID: Int64, store: Store, target: String, config: ForecastConfig, keyMetric: String, outputs: Int, loss: LossFunction,
        samples: (Int) throws -> Samples, block: (Samples, Int, BuiltModel, History) throws -> FittedBlock,
        metrics: ([HorizonForecast]) -> [String: Double], charts: HorizonCharts
    ) throws -> [HorizonRunResult] {
        try checkGlobal(plan)
        let start = Date()
        let (options, network, setup) = (plan.options, plan.network, plan.setup)
        let parts = try plan.series.indices.map(samples)
        let tickers = plan.series.map(\.series.ticker)
        options.log("Global network '\(network.name)' (\(network.file)) for \(tickers.count) tickers: "
                    + zip(tickers, parts).map { "\($0) \($1.origins.fit.count) + \($1.origins.validation.count)" }.joined(separator: ", ")
                    + " fit + validation windows, each ticker scaled on its own training part" + inputsNote(plan.extra(plan.series[0].series)))
        var config = config
        (config.global, config.tickers, config.ticker) = (true, tickers, tickers.joined(separator: ","))
        return try store.record(pipeline: "forecast", datasetID: datasetID, config: config, seed: options.seed,
                                outputDirectory: options.outputDirectory, resume: nil) { run in
            options.log(trainingNote(network: network, setup: setup, options: options))
            let (built, history) = try train(network, samples: parts, outputs: outputs, loss: loss, setup: setup, options: options, record: run)
            var recorded: [(forecasts: [HorizonForecast], ahead: [HorizonForecast], metrics: [String: Double], charts: [String])] = []
            var cards: [any Encodable] = []
            for (index, (series, split)) in plan.series.enumerated() {
                let fitted = try block(parts[index], index, built, history)
                let (forecasts, ahead) = (try fitted.forecast(split.testOrigins), try fitted.forecast([series.count - 1]))
                let ticker = try recordHorizonTicker(series, forecasts: forecasts, ahead: ahead, target: target, options: options, run: run,
                                                     metrics: metrics, charts: charts, prefix: "\(series.ticker)/", folder: tickerFolder(series.ticker))
                recorded.append((forecasts, ahead, ticker.metrics, ticker.charts))
                cards.append(fitted.preprocessing)
            }
            let models = [network.name] + config.baselines
            run.metrics("test", Dictionary(uniqueKeysWithValues: models.compactMap { model in
                let values = recorded.compactMap { $0.metrics["\(model).\(keyMetric)"] }
                return values.isEmpty ? nil : ("\(model).\(keyMetric)", values.reduce(0, +) / Double(values.count))
            }))
            run.keyMetric("test", "\(network.name).\(keyMetric)")
            let card = try ModelCard(pipeline: "forecast", built: built, preprocessing: GlobalHorizonPreprocessing(series: cards))
            let shared = [try run.model(built.model, card: card), try run.artifact("loss.svg", kind: "chart", figure: ForecastCharts.loss(history, model: network.name))]
            let seconds = Date().timeIntervalSince(start)
            return recorded.map { ticker in
                HorizonRunResult(runID: run.id, forecasts: ticker.forecasts, ahead: ticker.ahead, metrics: ticker.metrics, history: history, trainings: 1,
                                 artifacts: shared + ticker.charts, seconds: seconds)
            }
        }
    }
}

/// What a `--global` volatility or quantile network's card keeps: each ticker's preprocessing, as its one-ticker
/// card would (`VolatilityPreprocessing`, `QuantilePreprocessing`).
struct GlobalHorizonPreprocessing: Encodable {
    let series: [any Encodable]

    enum CodingKeys: String, CodingKey { case global, series }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(true, forKey: .global)
        var list = container.nestedUnkeyedContainer(forKey: .series)
        for entry in series { try list.encode(entry) }
    }
}
