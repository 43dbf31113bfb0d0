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

extension ForecastPipeline {
    /// The volatility network trained on days 0 … end-1 (early stopping on the validation origins, which also
    /// calibrate its level), and the baselines fitted on the same part.
    static func fitVolatility(_ daily: DailyVariance, extra: ExtraColumns, end: Int, network: NetworkDefinition, setup: TrainingSetup, options: ForecastOptions,
                              record: RecordedRun?) throws -> FittedVolatilityModels {
        let horizon = options.horizon
        let origins = TrainingOrigins(end: end, window: options.window, horizon: horizon, validationFraction: setup.validationSplit)!
        let scaling = VolatilityScaling(fitting: daily, end: end, fitOrigins: origins.fit, horizon: horizon)
        let inputs = NetworkInputs(extra, fittingEnd: end)
        let features = inputs.features(own: scaling.inputs(daily))
        func dataset(_ origins: [Int]) -> Dataset {
            Dataset(inputs: Windows.inputs(features, origins: origins, window: options.window),
                    targets: .values(Tensor(shape: [origins.count, 1], scalars: origins.map { scaling.target(daily, origin: $0, horizon: horizon) })))
        }
        let built = try network.build(window: options.window, features: inputs.count, horizon: 1, seed: options.seed)
        let trainer = Trainer(model: built.model, optimizer: setup.optimizer(for: built.model.parameters()), loss: setup.loss(default: .mse),
                              config: setup.config(seed: options.seed, progress: record == nil ? .silent : options.progress))
        let history = try record.map { try $0.fit(trainer, dataset(origins.fit), validation: dataset(origins.validation)) }
            ?? trainer.fit(dataset(origins.fit), validation: dataset(origins.validation))

        var forecaster = VolatilityNetwork(name: network.name, model: built.model, window: options.window, batchSize: setup.batchSize, scaling: scaling,
                                          inputs: inputs)
        let uncalibrated = try forecaster.forecast(daily, origins: origins.validation, horizon: horizon)
        let ratios = zip(origins.validation, uncalibrated).map { daily.realised(origin: $0, horizon: horizon) / $1 }
        forecaster.calibration = ratios.reduce(0, +) / Double(ratios.count)
        return FittedVolatilityModels(network: forecaster, baselines: [GarchForecaster(fitting: daily, end: end), EwmaForecaster(), HistoricalMeanForecaster()],
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
