import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

extension FittedModels {
    /// The network's model card: its architecture as built and the preprocessing `predict` repeats.
    func card(_ built: BuiltModel, ticker: String, trainedThrough: PriceDate) throws -> ModelCard {
        try ModelCard(pipeline: "forecast", built: built, preprocessing: preprocessing(ticker: ticker, trainedThrough: trainedThrough))
    }

    func preprocessing(ticker: String, trainedThrough: PriceDate) -> ForecastPreprocessing {
        ForecastPreprocessing(ticker: ticker, window: network.window, horizon: calibrations[network.name]!.lower.count, scaler: network.scaler,
                              calibrations: calibrations, trainedThrough: trainedThrough.description, inputs: network.inputs.recorded)
    }
}

/// The forecasts `predict` made from the newest data.
public struct PredictReport {
    public let runID: Int64
    public let ticker: String
    public let model: String
    /// Where the prices came from: the CSV given, or the run's data set in the database.
    public let source: String
    public let rows: Int
    public let origin: PriceDate
    public let originPrice: Double
    public let trainedThrough: String
    public let dates: [PriceDate]
    /// Network first, then the baselines; `origin` is the index of the last price.
    public let points: [ForecastPoint]
    public let intervalLevel: Double
}

extension ForecastPipeline {
    /// Loads run `runID`'s network from the store and forecasts the days after the newest price: of `pricesPath`
    /// (a newer CSV of the same series, read with the run's column settings) or else of the run's own data set.
    /// One report per ticker: one for a one-ticker run, one for each ticker of a `--global` run.
    public static func predict(store: Store, runID: Int64, pricesPath: String?) throws -> [PredictReport] {
        let trained = try TrainedModel.load(store: store, runID: runID, pipeline: "forecast")
        let run = trained.run
        let config = try RunConfig.decode(ForecastConfig.self, from: run, store: store)
        guard config.target != "volatility" && config.target != "quantiles" else {
            throw ForecastError("run \(runID) forecast \(config.target); predict forecasts prices with a price run's network (see notebooks-md/forecast.md)")
        }
        let cardSource = "\(store.path): run \(runID) model"
        let cards = config.global == true ? try trained.card.preprocessing(as: GlobalPreprocessing.self, source: cardSource).series
            : [try trained.card.preprocessing(as: ForecastPreprocessing.self, source: cardSource)]
        let file: PriceFile, source: (String) -> String
        if let pricesPath {
            file = try PriceFile.load(path: pricesPath, options: IngestOptions(priceColumn: config.columnOption, dateColumn: config.dateColumn,
                                                                               tickerColumn: config.tickerColumn, requirePositive: cards.first?.scaler.target == .returns))
            source = { _ in pricesPath }
        } else {
            guard let datasetID = run.datasetID else { throw ForecastError("\(store.path): run \(runID) names no data set; give a prices CSV") }
            file = try ForecastTables.loadFile(datasetID: datasetID, field: config.priceField, path: "\(store.path) (data set \(datasetID))", in: store)
            source = { "\(store.path) (data set \(datasetID), ticker '\($0)')" }
        }
        return try cards.map { card in
            let chosen = file.series.count == 1 ? file.series[0] : try file.series(named: card.ticker)
            let extra = try card.inputs.map { try ExtraColumns(recorded: $0, series: chosen, file: file) } ?? .none
            let series = (chosen.dates, chosen.prices, source(chosen.ticker), extra)
            return try predict(card, model: trained.model, name: trained.card.name, runID: runID, series: series)
        }
    }

    /// The forecast from the newest of `series`' prices with one ticker's preprocessing.
    static func predict(_ card: ForecastPreprocessing, model: Module, name: String, runID: Int64,
                        series: (dates: [PriceDate], prices: [Double], origin: String, extra: ExtraColumns)) throws -> PredictReport {
        let (dates, prices) = (series.dates, series.prices)
        guard prices.count > card.window else {
            throw FormatError(path: series.origin, "\(prices.count) prices of '\(card.ticker)', but the model needs the \(card.window) log returns before the origin: at least \(card.window + 1) rows")
        }
        let inputs = card.inputs.map { NetworkInputs(series.extra, scaling: $0) } ?? .single
        let fitted = FittedModels(end: prices.count, network: NetworkForecaster(name: name, model: model, scaler: card.scaler,
                                                                                inputs: inputs, window: card.window, batchSize: 1),
                                  baselines: baselines(card.window), calibrations: card.calibrations)
        let last = prices.count - 1
        return PredictReport(runID: runID, ticker: card.ticker, model: name, source: series.origin, rows: prices.count, origin: dates[last],
                             originPrice: prices[last], trainedThrough: card.trainedThrough,
                             dates: futureDates(after: dates, count: card.horizon),
                             points: try fitted.forecast(prices, origins: [last], horizon: card.horizon),
                             intervalLevel: card.calibrations[name]?.level ?? 0.9)
    }
}
