import Foundation
import Plexus
import PlexusKit

/// What the volatility network sees and predicts, fitted on a training part only.
///
/// In: the `window` daily variances up to the origin as standardised logs, log(x_i + floor) (a log tames the
/// heavy right tail; the floor, 1% of the training part's mean daily variance, keeps a day without a move finite).
/// Out: the standardised log of the realised variance of the next h days. The network is trained with its pipeline
/// file's loss on these logs; exp of an output is a median-like forecast, so it is multiplied by `calibration`, the
/// mean of realised / exp(output) over the validation origins: the constant that minimises QLIKE there.
struct VolatilityScaling: Codable, Equatable {
    var floor: Double
    var inputMean: Double
    var inputStd: Double
    var targetMean: Double
    var targetStd: Double

    enum CodingKeys: String, CodingKey {
        case floor, inputMean = "input_mean", inputStd = "input_std", targetMean = "target_mean", targetStd = "target_std"
    }

    init(fitting daily: DailyVariance, end: Int, fitOrigins: [Int], horizon: Int) {
        floor = 0.01 * daily.meanVariance(end: end)
        func moments(_ values: [Double]) -> (Double, Double) {
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return (mean, variance > 0 ? variance.squareRoot() : 1)
        }
        let floor = floor
        (inputMean, inputStd) = moments(daily.values[1..<end].map { log($0 + floor) })
        (targetMean, targetStd) = moments(fitOrigins.map { log(max(daily.realised(origin: $0, horizon: horizon), VolatilityMetrics.floor)) })
    }

    /// Standardised log daily variances of the whole series (value i reads day i only).
    func inputs(_ daily: DailyVariance) -> [Float] {
        daily.values.map { Float((log($0 + floor) - inputMean) / inputStd) }
    }

    func target(_ daily: DailyVariance, origin: Int, horizon: Int) -> Float {
        Float((log(max(daily.realised(origin: origin, horizon: horizon), VolatilityMetrics.floor)) - targetMean) / targetStd)
    }

    /// The variance an output means, before calibration.
    func variance(fromOutput output: Float) -> Double { exp(Double(output) * targetStd + targetMean) }
}

/// A trained volatility network: the model, its scaling and the validation calibration.
struct VolatilityNetwork: VarianceForecaster {
    let name: String
    let model: Module
    let window: Int
    let batchSize: Int
    let scaling: VolatilityScaling
    let inputs: NetworkInputs
    var calibration = 1.0

    func forecast(_ daily: DailyVariance, origins: [Int], horizon: Int) throws -> [Double] {
        guard !origins.isEmpty else { return [] }
        let inputs = Windows.inputs(self.inputs.features(own: scaling.inputs(daily)), origins: origins, window: window)
        return try model.predictAcrossProcesses(inputs, batchSize: batchSize).scalars.map { calibration * scaling.variance(fromOutput: $0) }
    }
}

/// What `predict` would need to repeat a volatility network's preprocessing, kept in its model card.
struct VolatilityPreprocessing: Codable {
    var ticker: String
    var target = "volatility"
    var proxy: VolatilityProxy
    var window: Int
    var horizon: Int
    var scaling: VolatilityScaling
    var calibration: Double
    var trainedThrough: String
    var inputs: InputScaling?

    enum CodingKeys: String, CodingKey {
        case ticker, target, proxy, window, horizon, scaling, calibration, inputs
        case trainedThrough = "trained_through"
    }
}

/// One ticker's training part for the volatility network: the scaling fitted on days 0 … end-1, the fit and
/// validation origins, the windows of standardised log variances (and extra inputs) and their targets.
struct VolatilitySamples: TrainingSamples {
    let daily: DailyVariance
    let end: Int
    let scaling: VolatilityScaling
    let inputs: NetworkInputs
    let origins: TrainingOrigins
    private let features: [[Float]]

    init(_ daily: DailyVariance, extra: ExtraColumns, end: Int, options: ForecastOptions, validationFraction: Double) {
        origins = TrainingOrigins(end: end, window: options.window, horizon: options.horizon, validationFraction: validationFraction)!
        scaling = VolatilityScaling(fitting: daily, end: end, fitOrigins: origins.fit, horizon: options.horizon)
        inputs = NetworkInputs(extra, fittingEnd: end)
        features = inputs.features(own: scaling.inputs(daily))
        (self.daily, self.end) = (daily, end)
    }

    func samples(_ origins: [Int], window: Int, horizon: Int) -> (inputs: Tensor, targets: [Float]) {
        (Windows.inputs(features, origins: origins, window: window), origins.map { scaling.target(daily, origin: $0, horizon: horizon) })
    }
}

extension ForecastPipeline {
    /// The volatility network trained on days 0 … end-1 (early stopping on the validation origins, which also
    /// calibrate its level), and the baselines fitted on the same part.
    static func fitVolatility(_ daily: DailyVariance, extra: ExtraColumns, end: Int, network: NetworkDefinition, setup: TrainingSetup, options: ForecastOptions,
                              record: RecordedRun?) throws -> FittedVolatilityModels {
        let samples = VolatilitySamples(daily, extra: extra, end: end, options: options, validationFraction: setup.validationSplit)
        let (built, history) = try train(network, samples: [samples], outputs: 1, loss: setup.loss(default: .mse), setup: setup, options: options,
                                         record: record)
        return try volatilityModels(samples, built: built, history: history, name: network.name, setup: setup, options: options)
    }

    /// The trained network (one ticker's, or a `--global` one) as this ticker's forecaster, its level calibrated on
    /// the ticker's validation origins, next to the baselines fitted on its training part.
    static func volatilityModels(_ samples: VolatilitySamples, built: BuiltModel, history: History, name: String, setup: TrainingSetup,
                                 options: ForecastOptions) throws -> FittedVolatilityModels {
        let (daily, horizon, validation) = (samples.daily, options.horizon, samples.origins.validation)
        var forecaster = VolatilityNetwork(name: name, model: built.model, window: options.window, batchSize: setup.batchSize, scaling: samples.scaling,
                                           inputs: samples.inputs)
        let uncalibrated = try forecaster.forecast(daily, origins: validation, horizon: horizon)
        let ratios = zip(validation, uncalibrated).map { daily.realised(origin: $0, horizon: horizon) / $1 }
        forecaster.calibration = ratios.reduce(0, +) / Double(ratios.count)
        return FittedVolatilityModels(network: forecaster, baselines: [GarchForecaster(fitting: daily, end: samples.end), EwmaForecaster(), HistoricalMeanForecaster()],
                                      built: built, history: history)
    }
}

/// The models fitted for one walk-forward block of a volatility run.
struct FittedVolatilityModels {
    let network: VolatilityNetwork
    let baselines: [VarianceForecaster]
    let built: BuiltModel
    let history: History

    static let baselineNames = ["garch", "ewma", "historical_mean"]

    /// Network first.
    var all: [VarianceForecaster] { [network] + baselines }
}
