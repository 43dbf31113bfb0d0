import Foundation
import Plexus
import PlexusKit

/// `--quantiles 0.01,0.05,0.5,0.95,0.99`: increasing levels strictly between 0 and 1.
public struct QuantileLevels: Sendable, Equatable {
    public let values: [Double]

    public static let standard = QuantileLevels(checked: [0.01, 0.05, 0.5, 0.95, 0.99])

    private init(checked values: [Double]) { self.values = values }

    public init(parsing text: String) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var values: [Double] = []
        for part in parts {
            guard let value = Double(part), value > 0, value < 1 else {
                throw ForecastError("--quantiles: '\(part)' is not a level strictly between 0 and 1 (expected e.g. 0.01,0.05,0.5,0.95,0.99)")
            }
            guard values.last.map({ value > $0 }) ?? true else {
                throw ForecastError("--quantiles: the levels must increase, found \(part) after \(values.last!)")
            }
            values.append(value)
        }
        self.init(checked: values)
    }

    /// "q0.05" in metric names.
    static func label(_ level: Double) -> String { "q" + String(format: "%g", level) }
}

/// What the quantile models forecast at origin t: quantiles of the h-day log return R = 100 · log(p_{t+h} / p_t).
struct ReturnQuantiles {
    let prices: [Double]
    /// 100 · log(p_i / p_{i-1}); value 0 is 0 and unused.
    let returns: [Double]

    init(prices: [Double]) {
        self.prices = prices
        returns = [0] + (1..<prices.count).map { 100 * log(prices[$0] / prices[$0 - 1]) }
    }

    /// The h-day return after origin t, in percent.
    func realised(origin t: Int, horizon h: Int) -> Double { returns[(t + 1)...(t + h)].reduce(0, +) }
}

/// Anything that forecasts quantiles of the h-day return at each origin from the data up to it: one row per origin,
/// one value per level, increasing.
protocol QuantileForecaster {
    var name: String { get }
    func forecast(_ data: ReturnQuantiles, origins: [Int], horizon: Int, levels: [Double]) throws -> [[Double]]
}

/// Historical simulation: the empirical quantiles of the h-day returns of the last `lookback` days before the origin
/// (overlapping windows ending at t − h + 1 … t, all known at t), NumPy's linear interpolation.
struct HistoricalSimulation: QuantileForecaster {
    let name = "historical_simulation"
    let lookback = 250

    func forecast(_ data: ReturnQuantiles, origins: [Int], horizon: Int, levels: [Double]) -> [[Double]] {
        origins.map { t in
            let ends = max(horizon, t - lookback + 1)...t
            let sample = ends.map { end in data.returns[(end - horizon + 1)...end].reduce(0, +) }.sorted()
            return levels.map { Statistics.quantile(sample, $0) }
        }
    }
}

/// GARCH(1,1) value-at-risk, filtered historical simulation (Barone-Adesi, Giannopoulos & Vosper 1999): the
/// quantiles are h·μ + √(Σ E σ²) · z_τ, with z_τ the empirical τ quantile of the training part's standardised
/// residuals (ε_t / σ_t), which keeps the fat tails a normal GARCH's quantiles would miss.
struct GarchQuantiles: QuantileForecaster {
    let name = "garch"
    let model: Garch
    /// Ascending standardised residuals of the training part.
    let residuals: [Double]

    init(fitting data: ReturnQuantiles, end: Int) {
        let training = Array(data.returns[1..<end])
        let model = Garch.fit(training)
        let sigma2 = model.variances(training)
        self.model = model
        residuals = training.indices.map { (training[$0] - model.mu) / sigma2[$0].squareRoot() }.sorted()
    }

    func forecast(_ data: ReturnQuantiles, origins: [Int], horizon: Int, levels: [Double]) -> [[Double]] {
        guard let last = origins.max() else { return [] }
        let next = model.variances(Array(data.returns[1...last]))
        let z = levels.map { Statistics.quantile(residuals, $0) }
        return origins.map { t in
            let spread = model.forecast(after: next[t], horizon: horizon).reduce(0, +).squareRoot()
            return z.map { Double(horizon) * model.mu + spread * $0 }
        }
    }
}

/// A trained quantile network: the standardised log returns of the `window` days up to the origin in (the scaler of
/// the returns target, fitted on the training part), one output per level out: the level's quantile of the h-day
/// return in units of the daily standard deviation. Quantiles that cross are sorted (Chernozhukov, Fernández-Val &
/// Galichon 2010: the rearranged curve is never further from the truth).
struct QuantileNetwork: QuantileForecaster {
    let name: String
    let model: Module
    let scaler: SeriesScaler
    let inputs: NetworkInputs
    let window: Int
    let batchSize: Int

    func forecast(_ data: ReturnQuantiles, origins: [Int], horizon: Int, levels: [Double]) throws -> [[Double]] {
        guard !origins.isEmpty else { return [] }
        let inputs = Windows.inputs(self.inputs.features(own: scaler.scaled(data.prices)), origins: origins, window: window)
        let outputs = try model.predictAcrossProcesses(inputs, batchSize: batchSize).scalars
        let k = levels.count
        return origins.indices.map { row in
            outputs[(row * k)..<((row + 1) * k)].map { 100 * Double($0) * scaler.std }.sorted()
        }
    }

    /// The standardised target of origin t: the h-day return over the daily standard deviation (in the network's units).
    static func target(_ data: ReturnQuantiles, origin: Int, horizon: Int, scaler: SeriesScaler) -> Float {
        Float(data.realised(origin: origin, horizon: horizon) / 100 / scaler.std)
    }
}

/// One ticker's training part for the quantile network: the returns scaler fitted on days 0 … end-1, the fit and
/// validation origins, the windows and their targets (the h-day return in daily standard deviations, once per level).
struct QuantileSamples: TrainingSamples {
    let data: ReturnQuantiles
    let end: Int
    let levels: Int
    let scaler: SeriesScaler
    let inputs: NetworkInputs
    let origins: TrainingOrigins
    private let features: [[Float]]

    init(_ data: ReturnQuantiles, extra: ExtraColumns, end: Int, levels: Int, options: ForecastOptions, validationFraction: Double) {
        origins = TrainingOrigins(end: end, window: options.window, horizon: options.horizon, validationFraction: validationFraction)!
        scaler = SeriesScaler(fitting: data.prices, end: end, target: .returns)
        inputs = NetworkInputs(extra, fittingEnd: end)
        features = inputs.features(own: scaler.scaled(data.prices))
        (self.data, self.end, self.levels) = (data, end, levels)
    }

    func samples(_ origins: [Int], window: Int, horizon: Int) -> (inputs: Tensor, targets: [Float]) {
        (Windows.inputs(features, origins: origins, window: window),
         origins.flatMap { t in [Float](repeating: QuantileNetwork.target(data, origin: t, horizon: horizon, scaler: scaler), count: levels) })
    }
}

/// The models fitted for one walk-forward block of a quantile run.
struct FittedQuantileModels {
    let network: QuantileNetwork
    let baselines: [QuantileForecaster]
    let built: BuiltModel
    let history: History
}

extension ForecastPipeline {
    /// The quantile network trained with the pinball loss on days 0 … end-1, and the baselines fitted on them.
    static func fitQuantiles(_ data: ReturnQuantiles, extra: ExtraColumns, end: Int, levels: [Double], network: NetworkDefinition, setup: TrainingSetup,
                             options: ForecastOptions, record: RecordedRun?) throws -> FittedQuantileModels {
        let samples = QuantileSamples(data, extra: extra, end: end, levels: levels.count, options: options, validationFraction: setup.validationSplit)
        let (built, history) = try train(network, samples: [samples], outputs: levels.count, loss: .pinball(levels: levels.map(Float.init)),
                                         setup: setup, options: options, record: record)
        return quantileModels(samples, built: built, history: history, name: network.name, setup: setup, options: options)
    }

    /// The trained network (one ticker's, or a `--global` one) as this ticker's forecaster with its scaler, next to
    /// the baselines fitted on its training part.
    static func quantileModels(_ samples: QuantileSamples, built: BuiltModel, history: History, name: String, setup: TrainingSetup,
                               options: ForecastOptions) -> FittedQuantileModels {
        let forecaster = QuantileNetwork(name: name, model: built.model, scaler: samples.scaler, inputs: samples.inputs, window: options.window,
                                         batchSize: setup.batchSize)
        return FittedQuantileModels(network: forecaster, baselines: [GarchQuantiles(fitting: samples.data, end: samples.end), HistoricalSimulation()],
                                    built: built, history: history)
    }
}
