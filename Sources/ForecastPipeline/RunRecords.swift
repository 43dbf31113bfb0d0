import Foundation
import PlexusKit

/// What a forecast run records as its configuration (`runs.config`).
struct ForecastConfig: Codable {
    var pipelineFile: String
    var pipelineYAML: String
    var model: String
    var layers: [String]
    var training: TrainingSummary
    var pricesFile: String
    var ticker: String
    var priceColumn: String
    var priceField: PriceField
    var dateColumn: String?
    var tickerColumn: String?
    var columnOption: String?
    var window: Int
    var horizon: Int
    /// `returns` or `price` (the network's target in a price run), or `volatility`.
    var target: String
    var testFraction: Double
    var retrainEvery: Int?
    var intervalLevel: Double
    var trainStart: String
    var validationStart: String
    var testStart: String
    var testEnd: String
    var testOrigins: Int
    var missingFilled: Int
    var leadingRowsDropped: Int
    var baselines = ["naive", "drift", "moving_average"]
    /// Volatility runs: the daily variance the target sums.
    var volatilityProxy: VolatilityProxy?
    /// Quantile runs: the levels.
    var quantiles: [Double]?
    /// The network's extra input columns (`--inputs`), in the order it sees them after the series' own value.
    var inputs: [String]?
    /// `--global`: one network for all `tickers` (`ticker` lists them, the dates are the first one's).
    var global: Bool?
    var tickers: [String]?

    enum CodingKeys: String, CodingKey {
        case model, layers, training, ticker, window, horizon, target, baselines
        case pipelineFile = "pipeline_file", pipelineYAML = "pipeline_yaml", pricesFile = "prices_file", priceColumn = "price_column", priceField = "price_field"
        case dateColumn = "date_column", tickerColumn = "ticker_column", columnOption = "column_option"
        case testFraction = "test_fraction", retrainEvery = "retrain_every", intervalLevel = "interval_level"
        case trainStart = "train_start", validationStart = "validation_start", testStart = "test_start", testEnd = "test_end"
        case testOrigins = "test_origins", missingFilled = "missing_filled", leadingRowsDropped = "leading_rows_dropped"
        case volatilityProxy = "volatility_proxy", quantiles, inputs, global, tickers
    }
}

/// The preprocessing `predict` repeats, kept in the model card: the window and horizon, the scaler fitted on the
/// training part, and every model's interval quantiles (the baselines' too, since `predict` shows them beside it).
struct ForecastPreprocessing: Codable, Equatable {
    var ticker: String
    var window: Int
    var horizon: Int
    var scaler: SeriesScaler
    var calibrations: [String: IntervalCalibration]
    var trainedThrough: String
    /// The extra inputs' scaling; nil (and left out) for a single-input network.
    var inputs: InputScaling?

    enum CodingKeys: String, CodingKey {
        case ticker, window, horizon, scaler, calibrations, inputs
        case trainedThrough = "trained_through"
    }
}
