import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// What `predict` needs besides the weights, kept in the safetensors metadata of the run's `model`: the pipeline
/// file's text, the window and horizon, the scaler fitted on the training part and every model's interval
/// quantiles. The weights file in the run's folder is therefore self-contained.
struct ModelCard: Equatable {
    var pipeline: String
    var pipelineFile: String
    var ticker: String
    var window: Int
    var horizon: Int
    var scaler: SeriesScaler
    var calibrations: [String: IntervalCalibration]
    var trainedThrough: String

    var metadata: [String: String] {
        var intervals: [String: Any] = [:]
        for (name, calibration) in calibrations {
            intervals[name] = ["level": calibration.level, "multiplicative": calibration.multiplicative,
                               "lower": calibration.lower, "upper": calibration.upper]
        }
        return ["pipeline": pipeline, "pipeline_file": pipelineFile, "ticker": ticker, "window": String(window), "horizon": String(horizon),
                "target": scaler.target.rawValue, "scaler_mean": "\(scaler.mean)", "scaler_std": "\(scaler.std)",
                "intervals": configJSON(intervals), "trained_through": trainedThrough]
    }

    init(pipeline: String, pipelineFile: String, ticker: String, window: Int, horizon: Int, scaler: SeriesScaler,
         calibrations: [String: IntervalCalibration], trainedThrough: String) {
        self.pipeline = pipeline
        self.pipelineFile = pipelineFile
        self.ticker = ticker
        self.window = window
        self.horizon = horizon
        self.scaler = scaler
        self.calibrations = calibrations
        self.trainedThrough = trainedThrough
    }

    init(metadata: [String: String], source: String) throws {
        func value(_ key: String) throws -> String {
            guard let text = metadata[key] else { throw FormatError(path: source, "model metadata: no '\(key)' (not a forecast model?)") }
            return text
        }
        func number<T: LosslessStringConvertible>(_ key: String) throws -> T {
            guard let number = T(try value(key)) else { throw FormatError(path: source, "model metadata: '\(key)' is not a number") }
            return number
        }
        guard let target = ForecastTarget(rawValue: try value("target")) else {
            throw FormatError(path: source, "model metadata: unknown target '\(try value("target"))'")
        }
        guard let intervals = try? JSONSerialization.jsonObject(with: Data(try value("intervals").utf8)) as? [String: [String: Any]] else {
            throw FormatError(path: source, "model metadata: 'intervals' is not a JSON object")
        }
        var calibrations: [String: IntervalCalibration] = [:]
        for (name, entry) in intervals {
            guard let level = entry["level"] as? Double, let multiplicative = entry["multiplicative"] as? Bool,
                  let lower = entry["lower"] as? [Double], let upper = entry["upper"] as? [Double] else {
                throw FormatError(path: source, "model metadata: the interval of '\(name)' is incomplete")
            }
            calibrations[name] = IntervalCalibration(level: level, multiplicative: multiplicative, lower: lower, upper: upper)
        }
        self.init(pipeline: try value("pipeline"), pipelineFile: try value("pipeline_file"), ticker: try value("ticker"),
                  window: try number("window"), horizon: try number("horizon"),
                  scaler: SeriesScaler(target: target, mean: try number("scaler_mean"), std: try number("scaler_std")),
                  calibrations: calibrations, trainedThrough: try value("trained_through"))
    }
}

extension FittedModels {
    /// The network's weights with its `ModelCard`.
    func checkpoint(network definition: NetworkDefinition, ticker: String, trainedThrough: PriceDate) throws -> [UInt8] {
        let card = ModelCard(pipeline: definition.yaml, pipelineFile: definition.file, ticker: ticker, window: network.window,
                             horizon: calibrations[network.name]!.lower.count, scaler: network.scaler, calibrations: calibrations,
                             trainedThrough: trainedThrough.description)
        return try Checkpoint.encode(network.model, metadata: card.metadata)
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
        guard let run = try store.run(id: runID) else { throw ForecastError("\(store.path): no run \(runID)") }
        guard run.pipeline == "forecast" else { throw ForecastError("\(store.path): run \(runID) is a '\(run.pipeline)' run, not a forecast run") }
        guard run.status == .completed else { throw ForecastError("\(store.path): run \(runID) is \(run.status.rawValue), it has no final model") }
        let config = (try? JSONSerialization.jsonObject(with: Data(run.config.utf8)) as? [String: Any]) ?? [:]
        let source = "\(store.path): run \(runID) model"
        let bytes = try store.loadModel(runID: runID, name: "model").bytes
        let card = try ModelCard(metadata: try Safetensors.decode(bytes, path: source).metadata, source: source)
        let network = try NetworkDefinition(yaml: card.pipeline, file: card.pipelineFile)
        let model = try network.build(window: card.window, horizon: card.horizon, seed: 0)
        try Checkpoint.load(bytes, into: model, source: source)

        let dates: [PriceDate], prices: [Double], origin: String
        if let pricesPath {
            let ingest = IngestOptions(priceColumn: config["column_option"] as? String, dateColumn: config["date_column"] as? String,
                                       tickerColumn: config["ticker_column"] as? String, requirePositive: card.scaler.target == .returns)
            let file = try PriceFile.load(path: pricesPath, options: ingest)
            let series = file.series.count == 1 ? file.series[0] : try file.series(named: card.ticker)
            (dates, prices, origin) = (series.dates, series.prices, pricesPath)
        } else {
            guard let datasetID = run.datasetID, let field = (config["price_field"] as? String).flatMap(PriceField.init(rawValue:)) else {
                throw ForecastError("\(store.path): run \(runID) names no data set; give a prices CSV")
            }
            (dates, prices) = try ForecastTables.loadSeries(datasetID: datasetID, ticker: card.ticker, field: field, in: store)
            origin = "\(store.path) (data set \(datasetID), ticker '\(card.ticker)')"
        }
        guard prices.count > card.window else {
            throw FormatError(path: pricesPath ?? store.path, "\(prices.count) prices, but the model needs the \(card.window) log returns before the origin: at least \(card.window + 1) rows")
        }
        let fitted = FittedModels(end: prices.count, network: NetworkForecaster(name: network.name, model: model, scaler: card.scaler,
                                                                                window: card.window, batchSize: 1),
                                  baselines: baselines(card.window), calibrations: card.calibrations)
        let last = prices.count - 1
        return PredictReport(runID: runID, ticker: card.ticker, model: network.name, source: origin, rows: prices.count, origin: dates[last],
                             originPrice: prices[last], trainedThrough: card.trainedThrough,
                             dates: futureDates(after: dates, count: card.horizon),
                             points: fitted.forecast(prices, origins: [last], horizon: card.horizon),
                             intervalLevel: card.calibrations[network.name]?.level ?? 0.9)
    }
}
