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
    public static func predict(store: Store, runID: Int64, pricesPath: String?) throws -> PredictReport {
        let trained = try TrainedModel.load(store: store, runID: runID, pipeline: "forecast")
        let run = trained.run
        let config = try RunConfig.decode(ForecastConfig.self, from: run, store: store)
        guard config.target != "volatility" && config.target != "quantiles" else {
            throw ForecastError("run \(runID) forecast \(config.target); predict forecasts prices with a price run's network (see notebooks-md/forecast.md)")
        }
        if let tickers = config.tickers {
            throw ForecastError("run \(runID) is a --global run over \(tickers.joined(separator: ", ")); predict forecasts with the network of a one-ticker run")
        }
        if let inputs = config.inputs {
            throw ForecastError("run \(runID)'s network also reads \(inputs.joined(separator: ", ")); predict repeats the preprocessing of single-input runs only")
        }
        let card = try trained.card.preprocessing(as: ForecastPreprocessing.self, source: "\(store.path): run \(runID) model")
        let name = trained.card.name

        let dates: [PriceDate], prices: [Double], origin: String
        if let pricesPath {
            let ingest = IngestOptions(priceColumn: config.columnOption, dateColumn: config.dateColumn,
                                       tickerColumn: config.tickerColumn, requirePositive: card.scaler.target == .returns)
            let file = try PriceFile.load(path: pricesPath, options: ingest)
            let series = file.series.count == 1 ? file.series[0] : try file.series(named: card.ticker)
            (dates, prices, origin) = (series.dates, series.prices, pricesPath)
        } else {
            guard let datasetID = run.datasetID else { throw ForecastError("\(store.path): run \(runID) names no data set; give a prices CSV") }
            (dates, prices) = try ForecastTables.loadSeries(datasetID: datasetID, ticker: card.ticker, field: config.priceField, in: store)
            origin = "\(store.path) (data set \(datasetID), ticker '\(card.ticker)')"
        }
        guard prices.count > card.window else {
            throw FormatError(path: pricesPath ?? store.path, "\(prices.count) prices, but the model needs the \(card.window) log returns before the origin: at least \(card.window + 1) rows")
        }
        let fitted = FittedModels(end: prices.count, network: NetworkForecaster(name: name, model: trained.model, scaler: card.scaler,
                                                                                inputs: .single, window: card.window, batchSize: 1),
                                  baselines: baselines(card.window), calibrations: card.calibrations)
        let last = prices.count - 1
        return PredictReport(runID: runID, ticker: card.ticker, model: name, source: origin, rows: prices.count, origin: dates[last],
                             originPrice: prices[last], trainedThrough: card.trainedThrough,
                             dates: futureDates(after: dates, count: card.horizon),
                             points: try fitted.forecast(prices, origins: [last], horizon: card.horizon),
                             intervalLevel: card.calibrations[name]?.level ?? 0.9)
    }
}
