import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// A problem with the command's options, as one line.
public struct ForecastError: UserFacingError {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Everything `forecast run` takes.
public struct ForecastOptions {
    public var pricesPath: String
    public var ingest = IngestOptions()
    /// Only this ticker of a long or wide file; nil: every ticker, one run each.
    public var ticker: String?
    /// Days of history the network sees at an origin.
    public var window = 60
    /// Days forecast at each origin.
    public var horizon = 5
    /// `--target`: returns, price, volatility or quantiles; nil: the pipeline file's `target:`, else the three
    /// fields below as set (see `resolveTarget`).
    public var targetName: String?
    public var target: ForecastTarget = .returns
    /// Set: the run forecasts volatility instead of prices (`--target volatility`), with this daily variance:
    /// `auto`, `squared` or `parkinson` (see `VolatilityProxy`).
    public var volatilityProxy: String?
    /// Set: the run forecasts these quantiles of the h-day return instead of prices (`--target quantiles`).
    public var quantiles: QuantileLevels?
    /// `--inputs`: the network's extra inputs (see `ExtraInput`); nil: the pipeline file's `inputs:`, else none.
    public var inputs: [String]?
    /// `--global`: one network for every ticker of the file (`runGlobal`) instead of one each.
    public var global = false
    /// A pipeline file, or `builtin:NAME` (see `PipelineFiles`).
    public var pipelinePath = ForecastOptions.pipelinePath(model: "lstm")
    /// Overrides the pipeline file's `epochs`.
    public var epochs: Int?
    public var testFraction = 0.2
    /// Retrain every this many test origins on all the data up to the block's first origin; nil: train once.
    public var retrainEvery: Int?
    /// Nominal coverage of the prediction intervals.
    public var intervalLevel = 0.9
    public var seed: UInt64 = 42
    /// Where artifacts go; nil means `runs/<run id>/` (with several tickers, `<dir>/<ticker>/`).
    public var outputDirectory: String?
    public var progress: ProgressStyle = .automatic
    /// An interrupted run to continue from its checkpoint: the same prices and options as when it started.
    public var resume: Int64?
    /// Receives the narration printed before and between trainings (data summary, split, model).
    public var log: (String) -> Void = { _ in }

    public init(pricesPath: String) {
        self.pricesPath = pricesPath
    }

    /// The models `--model` offers, each a built-in pipeline file.
    public static let models = ["lstm", "gru", "mlp", "linear"]

    /// `lstm` → `builtin:forecast.yml`, `gru` → `builtin:forecast-gru.yml`, …
    public static func pipelinePath(model: String) -> String {
        PipelineFiles.builtin(model == "lstm" ? "forecast.yml" : "forecast-\(model).yml")
    }

    func validate() throws {
        guard window >= 2 else { throw ForecastError("--window must be at least 2, found \(window)") }
        guard horizon >= 1 else { throw ForecastError("--horizon must be at least 1, found \(horizon)") }
        guard testFraction > 0 && testFraction < 1 else { throw ForecastError("--test-fraction must be between 0 and 1, found \(testFraction)") }
        guard intervalLevel > 0 && intervalLevel < 1 else { throw ForecastError("--interval must be between 0 and 1, found \(intervalLevel)") }
        if let retrainEvery, retrainEvery < 1 { throw ForecastError("--retrain-every must be at least 1, found \(retrainEvery)") }
        if let epochs, epochs < 1 { throw ForecastError("--epochs must be at least 1, found \(epochs)") }
        if let volatilityProxy { _ = try VolatilityProxy.choose(volatilityProxy, hasRange: false) }
        if volatilityProxy != nil && quantiles != nil { throw ForecastError("a run forecasts volatility or quantiles, not both") }
    }
}

/// What one ticker's run did, for the summary.
public struct TickerReport {
    public let runID: Int64
    public let ticker: String
    public let series: PriceSeries
    public let split: SeriesSplit
    public let model: String
    /// The first training, recorded in `epochs`.
    public let history: History
    /// Trainings: 1, or the number of blocks with `--retrain-every`.
    public let trainings: Int
    /// `metrics` rows: `<model>.<metric>` and `<model>.<metric>.h<k>`.
    public let metrics: [String: Double]
    public let intervalLevel: Double
    public let ahead: [ForecastPoint]
    public let aheadDates: [PriceDate]
    public let artifacts: [String]
    public let seconds: Double
}

/// The forecast pipeline: ingest a price CSV, train the network from a pipeline file on each ticker's log returns,
/// evaluate it walk-forward against the naive, drift and moving-average forecasts, forecast the days ahead,
/// record everything in the store.
///
/// **Walk-forward evaluation.** The network is trained once on the training part (early stopping on the
/// validation slice at its end, see `TrainingOrigins`); the scaler is fitted on the training part. At every test
/// origin t, each model forecasts p_{t+1} … p_{t+h} from p₀ … p_t only. With `retrainEvery` = n, the test origins
/// are cut into blocks of n and, before each block, the scaler and a fresh network are fitted on all the prices up
/// to the block's first origin, so an origin never sees a model trained on its future either.
public enum ForecastPipeline {
    /// Below this many validation windows the run warns that its intervals are poorly calibrated.
    static let minimumValidation = 50

    static let baselines: (Int) -> [Forecaster] = { window in
        [NaiveForecaster(), DriftForecaster(), MovingAverageForecaster(window: window)]
    }

    /// Everything checked before a run starts: the options, the pipeline file, the prices, and each chosen
    /// ticker's split. Making one reads files but writes nothing.
    public struct Plan {
        public let options: ForecastOptions
        public let network: NetworkDefinition
        public let setup: TrainingSetup
        public let file: PriceFile
        public let series: [(series: PriceSeries, split: SeriesSplit)]
        /// Each forecast ticker's extra input columns, the same names for all (none without `--inputs`).
        let inputs: [String: ExtraColumns]

        /// The network's input values per day: 1 + the extra input columns.
        var features: Int { Plan.features(inputs) }

        static func features(_ inputs: [String: ExtraColumns]) -> Int { 1 + (inputs.first?.value.names.count ?? 0) }

        func extra(_ series: PriceSeries) -> ExtraColumns { inputs[series.ticker] ?? .none }
    }

    /// Checks the input; every problem with it is thrown from here, before any database is opened.
    public static func plan(_ options: ForecastOptions) throws -> Plan {
        var options = options
        let network = try NetworkDefinition(path: options.pipelinePath)
        try options.resolveTarget(network.pipeline)
        try options.validate()
        let setup = TrainingSetup(network.pipeline.training, epochs: options.epochs, defaultEpochs: 30)
        guard setup.validationSplit > 0 else {
            throw FormatError(path: network.file, line: network.pipeline.lines["training.validation_split"], "training: validation_split must be above 0: forecast stops early and calibrates its intervals on the validation slice")
        }
        var ingest = options.ingest
        ingest.requirePositive = options.target == .returns || options.volatilityProxy != nil || options.quantiles != nil
        let file = try PriceFile.load(path: options.pricesPath, options: ingest)
        let chosen = try options.ticker.map { [try file.series(named: $0)] } ?? file.series
        let inputs = try extraInputs(options, network: network, file: file, forecast: chosen.map(\.ticker))
        let outputs = options.volatilityProxy != nil ? 1 : options.quantiles?.values.count ?? options.horizon
        _ = try network.build(window: options.window, features: Plan.features(inputs), horizon: outputs, seed: options.seed)
        let series = try chosen.map { series in
            guard let split = SeriesSplit(count: series.count, testFraction: options.testFraction, window: options.window,
                                          horizon: options.horizon, validationFraction: setup.validationSplit) else {
                let needed = SeriesSplit.minimumCount(testFraction: options.testFraction, window: options.window, horizon: options.horizon,
                                                      validationFraction: setup.validationSplit)
                throw FormatError(path: file.path, "column '\(series.priceColumn)': '\(series.ticker)' has \(series.count) prices, too few for window \(options.window) + horizon \(options.horizon) with test fraction \(options.testFraction): at least \(needed) rows are needed")
            }
            if let choice = options.volatilityProxy {
                _ = try DailyVariance(series: series, proxy: VolatilityProxy.choose(choice, hasRange: series.hasRange), path: file.path)
            }
            return (series, split)
        }
        if let resume = options.resume, series.count > 1, !options.global {
            throw ForecastError("--resume \(resume): the file has \(series.count) tickers, one run each; name the run's ticker with --ticker")
        }
        let plan = Plan(options: options, network: network, setup: setup, file: file, series: series, inputs: inputs)
        if options.global { try checkGlobal(plan) }
        return plan
    }

    /// Runs the plan: the prices into the store, then one recorded run per ticker.
    public static func run(_ plan: Plan, store: Store) throws -> [TickerReport] {
        let datasetID = try registerPrices(plan, store: store)
        return try plan.series.map { series, split in
            try runTicker(series, split: split, plan: plan, datasetID: datasetID, store: store)
        }
    }

    /// The price file as a data set, its series in the `prices` table; the data set's id.
    static func registerPrices(_ plan: Plan, store: Store) throws -> Int64 {
        let file = plan.file
        if file.series.count > 1 { plan.options.log("\(file.path): \(file.layoutDescription)") }
        let datasetID = try store.registerDataset(name: URL(fileURLWithPath: file.path).lastPathComponent, kind: "prices",
                                                  source: file.path, sha256: file.sha256, items: file.rowCount)
        try ForecastTables.storePrices(file, datasetID: datasetID, in: store)
        return datasetID
    }

    /// The test origins cut into blocks of `every` (one block when nil); each block is forecast by models fitted
    /// on the data up to its first origin.
    static func walkForwardBlocks(_ origins: [Int], every: Int?) -> [[Int]] {
        let size = every ?? origins.count
        return stride(from: 0, to: origins.count, by: size).map { Array(origins[$0..<min($0 + size, origins.count)]) }
    }

    /// The run's recorded configuration.
    static func runConfig(series: PriceSeries, split: SeriesSplit, plan: Plan, target: String) -> ForecastConfig {
        let (options, network, dates) = (plan.options, plan.network, series.dates)
        let first = TrainingOrigins(end: split.testStart, window: options.window, horizon: options.horizon, validationFraction: plan.setup.validationSplit)!
        return ForecastConfig(
            pipelineFile: network.file, pipelineYAML: network.yaml, model: network.name, layers: network.pipeline.model.layers.map(\.type),
            training: plan.setup.summary, pricesFile: plan.file.path, ticker: series.ticker, priceColumn: series.priceColumn,
            priceField: series.priceField, dateColumn: options.ingest.dateColumn, tickerColumn: options.ingest.tickerColumn,
            columnOption: options.ingest.priceColumn, window: options.window, horizon: options.horizon, target: target,
            testFraction: options.testFraction, retrainEvery: options.retrainEvery, intervalLevel: options.intervalLevel,
            trainStart: dates[0].description, validationStart: dates[first.validation[0]].description,
            testStart: dates[split.testStart].description, testEnd: dates.last!.description, testOrigins: split.testOrigins.count,
            missingFilled: series.filled, leadingRowsDropped: series.droppedLeading, inputs: plan.extra(series).recordedNames)
    }

    /// `plan` then `run`.
    public static func run(store: Store, options: ForecastOptions) throws -> [TickerReport] {
        try run(plan(options), store: store)
    }

    private static func runTicker(_ series: PriceSeries, split: SeriesSplit, plan: Plan, datasetID: Int64, store: Store) throws -> TickerReport {
        let start = Date()
        let (options, network, setup) = (plan.options, plan.network, plan.setup)
        let prices = series.prices, dates = series.dates
        let testOrigins = split.testOrigins
        let blocks = walkForwardBlocks(testOrigins, every: options.retrainEvery)
        let first = TrainingOrigins(end: split.testStart, window: options.window, horizon: options.horizon, validationFraction: setup.validationSplit)!

        let log = options.log
        log("\(series.ticker): \(series.count) prices from \(dates.first!) to \(dates.last!) (column '\(series.priceColumn)'); "
            + missingNote(series))
        log("Training part \(dates[0]) … \(dates[split.testStart - 1]): \(first.fit.count) fit windows, \(first.validation.count) validation windows from \(dates[first.validation[0]]); "
            + "test part \(dates[split.testStart]) … \(dates.last!): \(testOrigins.count) origins × \(options.horizon) days ahead"
            + (blocks.count > 1 ? ", retrained every \(options.retrainEvery!) origins (\(blocks.count) trainings)" : ""))
        if first.validation.count < minimumValidation {
            log("Warning: only \(first.validation.count) validation windows: early stopping and the intervals rest on few forecasts (a shorter --window or a longer series gives more)")
        }

        let values = options.target == .returns ? "log returns" : "prices"
        let extra = plan.extra(series)
        log("Network '\(network.name)' (\(network.file)): the \(options.window) standardised daily \(values)" + inputsNote(extra)
            + " up to an origin in, the next \(options.horizon) out")
        log(summary(try network.build(window: options.window, features: plan.features, horizon: options.horizon, seed: options.seed).model,
                    inputShape: [options.window, plan.features]))

        let config = runConfig(series: series, split: split, plan: plan, target: options.target.rawValue)
        let directory = options.outputDirectory.map { plan.series.count > 1 ? "\($0)/\(series.ticker)" : $0 }

        return try store.record(pipeline: "forecast", datasetID: datasetID, config: config, seed: options.seed,
                                outputDirectory: directory, resume: options.resume) { run in
            var points: [ForecastPoint] = []
            var fitted: (models: FittedModels, built: BuiltModel)?
            var firstHistory: History?
            for (index, block) in blocks.enumerated() {
                let end = block[0] + 1
                if index == 0 {
                    log(trainingNote(network: network, setup: setup, options: options))
                } else {
                    log("Retraining \(index + 1)/\(blocks.count) on prices up to \(dates[end - 1]) …")
                }
                let (models, built, history) = try fit(prices: prices, extra: extra, end: end, network: network, setup: setup, options: options,
                                                       record: index == 0 ? run : nil)
                if index == 0 { firstHistory = history }
                points += try models.forecast(prices, origins: block, horizon: options.horizon)
                fitted = (models, built)
            }
            let (final, built) = fitted!
            let weightsPath = try run.model(built.model, card: final.card(built, ticker: series.ticker, trainedThrough: dates[final.end - 1]))
            let results = try recordTicker(series, split: split, points: points, final: final, model: network.name, options: options, run: run)
            run.keyMetric("test", "\(network.name).mase")
            let artifacts = [weightsPath] + results.charts
                + [try run.artifact("loss.svg", kind: "chart", figure: ForecastCharts.loss(firstHistory!, model: network.name))]
            return TickerReport(runID: run.id, ticker: series.ticker, series: series, split: split, model: network.name, history: firstHistory!,
                                trainings: blocks.count, metrics: results.metrics, intervalLevel: options.intervalLevel, ahead: results.ahead,
                                aheadDates: results.aheadDates, artifacts: artifacts, seconds: Date().timeIntervalSince(start))
        }
    }

    /// One ticker's test forecasts recorded in `run`: the forecasts from its last day, the metrics (each name after
    /// `prefix`), the forecasts rows, and the two forecast charts (in `folder`).
    static func recordTicker(_ series: PriceSeries, split: SeriesSplit, points: [ForecastPoint], final: FittedModels, model: String,
                             options: ForecastOptions, run: RecordedRun, prefix: String = "", folder: String = "")
        throws -> (ahead: [ForecastPoint], aheadDates: [PriceDate], metrics: [String: Double], charts: [String]) {
        let (ticker, dates, prices) = (series.ticker, series.dates, series.prices)
        let aheadDates = futureDates(after: dates, count: options.horizon)
        let ahead = try final.forecast(prices, origins: [prices.count - 1], horizon: options.horizon)
        let metrics = ForecastMetrics.table(points, prices: prices, scale: ForecastMetrics.naiveScale(prices, end: split.testStart))
        run.metrics("test", Dictionary(uniqueKeysWithValues: metrics.map { (prefix + $0.key, $0.value) }))
        run.tables { transaction in
            try ForecastTables.insertForecasts(runID: run.id, ticker: ticker, dates: dates, prices: prices, points: points, ahead: ahead,
                                               aheadDates: aheadDates, transaction)
        }
        let charts = ForecastCharts(ticker: ticker, model: model, dates: dates, prices: prices, testStart: split.testStart,
                                    points: points, ahead: ahead, aheadDates: aheadDates, level: options.intervalLevel)
        let paths = [try run.artifact(folder + "forecast.svg", kind: "chart", figure: charts.forecast(from: max(0, split.testStart - max(60, options.window)))),
                     try run.artifact(folder + "forecast-recent.svg", kind: "chart", figure: charts.forecast(from: max(0, prices.count - 90)))]
        return (ahead, aheadDates, metrics, paths)
    }

    /// "Training 'lstm' for up to 30 epochs, …", saying so when `--epochs` cut the pipeline file's training short.
    static func trainingNote(network: NetworkDefinition, setup: TrainingSetup, options: ForecastOptions) -> String {
        var note = "Training '\(network.name)' for "
        if let epochs = options.epochs {
            note += "\(epochs) epochs (--epochs \(epochs)"
            if let planned = network.pipeline.training.epochs, planned > epochs {
                note += "; the pipeline file says \(planned): a shortened run, not the full training"
            }
            note += ")"
        } else {
            note += "up to \(setup.epochs) epochs"
        }
        if let stopping = setup.spec.earlyStopping {
            note += ", early stopping after \(stopping.patience) epochs without improvement on the validation windows"
        }
        return note
    }

    static func missingNote(_ series: PriceSeries) -> String {
        var notes: [String] = []
        notes.append(series.filled == 0 ? "no missing prices" : "\(series.filled) missing prices forward-filled")
        if series.droppedLeading > 0 { notes.append("\(series.droppedLeading) leading rows without a price left out") }
        return notes.joined(separator: ", ")
    }

    /// The dates after the series: weekdays for daily data, else steps of the series' typical spacing.
    static func futureDates(after dates: [PriceDate], count: Int) -> [PriceDate] {
        let last = dates.last!
        let gaps = zip(dates, dates.dropFirst()).map { ($1.day - $0.day) * 86_400 + ($1.seconds - $0.seconds) }.sorted()
        let typical = gaps.isEmpty ? 86_400 : gaps[gaps.count / 2]
        if last.seconds == 0 && typical >= 86_400 && typical <= 4 * 86_400 {
            return (1...count).map { last.addingWeekdays($0) }
        }
        return (1...count).map { step in
            let total = last.day * 86_400 + last.seconds + step * max(typical, 1)
            return PriceDate(day: total / 86_400, seconds: total % 86_400)
        }
    }
}
