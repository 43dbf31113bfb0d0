import Foundation
import Plexus
import PlexusKit

/// One series' training part as a network's windows and targets: what `train` pools over the tickers of a `--global`
/// run (or takes from one series).
protocol TrainingSamples {
    var inputs: NetworkInputs { get }
    var origins: TrainingOrigins { get }
    /// The windows ending at `origins` and their targets (the same count of outputs each).
    func samples(_ origins: [Int], window: Int, horizon: Int) -> (inputs: Tensor, targets: [Float])
}

/// One series' training samples for a price network whose training part is p₀ … p_{end-1}: the scalers fitted on
/// that part, and its fit and validation windows. Only the training part exists as far as this type is concerned.
struct PriceSamples: TrainingSamples {
    let scaler: SeriesScaler
    let inputs: NetworkInputs
    let origins: TrainingOrigins
    let training: [Double]
    /// Per day: the standardised value, then the extra inputs.
    private let features: [[Float]]
    private let scaled: [Float]

    init(prices: [Double], extra: ExtraColumns, end: Int, options: ForecastOptions, validationFraction: Double) {
        training = Array(prices[0..<end])
        origins = TrainingOrigins(end: end, window: options.window, horizon: options.horizon, validationFraction: validationFraction)!
        scaler = SeriesScaler(fitting: training, end: end, target: options.target)
        scaled = scaler.scaled(training)
        inputs = NetworkInputs(extra, fittingEnd: end)
        features = inputs.features(own: scaled)
    }

    /// The windows ending at `origins` and their next `horizon` standardised values.
    func samples(_ origins: [Int], window: Int, horizon: Int) -> (inputs: Tensor, targets: [Float]) {
        (Windows.inputs(features, origins: origins, window: window), origins.flatMap { Windows.targets(scaled, origin: $0, horizon: horizon) })
    }

    /// The samples of several series (or one) as one data set, series after series, `outputs` targets per window.
    static func dataset(_ parts: [(inputs: Tensor, targets: [Float])], outputs: Int) -> Dataset {
        let count = parts.reduce(0) { $0 + $1.targets.count / outputs }
        let shape = parts.count == 1 ? parts[0].inputs.shape : [count] + parts[0].inputs.shape.dropFirst()
        let inputs = parts.count == 1 ? parts[0].inputs : Tensor(shape: shape, scalars: parts.flatMap(\.inputs.scalars))
        return Dataset(inputs: inputs, targets: .values(Tensor(shape: [count, outputs], scalars: parts.flatMap(\.targets))))
    }
}

extension ForecastPipeline {
    /// The network trained on p₀ … p_{end-1}, the baselines, and every model's interval calibration on the
    /// validation origins.
    static func fit(prices: [Double], extra: ExtraColumns, end: Int, network: NetworkDefinition, setup: TrainingSetup, options: ForecastOptions,
                    record: RecordedRun?) throws -> (FittedModels, BuiltModel, History) {
        let samples = PriceSamples(prices: prices, extra: extra, end: end, options: options, validationFraction: setup.validationSplit)
        let (built, history) = try train(network, samples: [samples], outputs: options.horizon, loss: setup.loss(default: .mse), setup: setup,
                                         options: options, record: record)
        return (try calibrated(samples, model: built.model, name: network.name, setup: setup, options: options), built, history)
    }

    /// A fresh network with `outputs` outputs trained with `loss` on the pooled fit windows of `samples`, stopped early
    /// on their pooled validation windows.
    static func train<Samples: TrainingSamples>(_ network: NetworkDefinition, samples: [Samples], outputs: Int, loss: LossFunction,
                                                setup: TrainingSetup, options: ForecastOptions, record: RecordedRun?) throws -> (BuiltModel, History) {
        let (window, horizon) = (options.window, options.horizon)
        let fit = PriceSamples.dataset(samples.map { $0.samples($0.origins.fit, window: window, horizon: horizon) }, outputs: outputs)
        let validation = PriceSamples.dataset(samples.map { $0.samples($0.origins.validation, window: window, horizon: horizon) }, outputs: outputs)
        let built = try network.build(window: window, features: samples[0].inputs.count, horizon: outputs, seed: options.seed)
        let model = built.model
        let trainer = Trainer(model: model, optimizer: setup.optimizer(for: model.parameters()), loss: loss,
                              config: setup.config(seed: options.seed, progress: record == nil ? .silent : options.progress))
        let history = try record.map { try $0.fit(trainer, fit, validation: validation) } ?? trainer.fit(fit, validation: validation)
        return (built, history)
    }

    /// The trained `model` as one series' forecaster (with that series' scalers), next to the baselines, each with its
    /// intervals calibrated on the series' validation origins.
    static func calibrated(_ samples: PriceSamples, model: Module, name: String, setup: TrainingSetup, options: ForecastOptions) throws -> FittedModels {
        let (training, origins, horizon) = (samples.training, samples.origins, options.horizon)
        let forecaster = NetworkForecaster(name: name, model: model, scaler: samples.scaler, inputs: samples.inputs, window: options.window,
                                           batchSize: setup.batchSize)
        let all: [Forecaster] = [forecaster] + baselines(options.window)
        let actuals = origins.validation.map { Array(training[($0 + 1)...($0 + horizon)]) }
        var calibrations: [String: IntervalCalibration] = [:]
        for model in all {
            calibrations[model.name] = IntervalCalibration(forecasts: try model.forecast(training, origins: origins.validation, horizon: horizon),
                                                           actuals: actuals, level: options.intervalLevel, multiplicative: options.target == .returns)
        }
        return FittedModels(end: training.count, network: forecaster, baselines: baselines(options.window), calibrations: calibrations)
    }
}

/// The models fitted for one walk-forward block, ready to forecast from any origin at or after its end.
struct FittedModels {
    /// The training part was p₀ … p_{end-1}.
    let end: Int
    let network: NetworkForecaster
    let baselines: [Forecaster]
    let calibrations: [String: IntervalCalibration]

    /// Every model's forecasts with intervals at `origins`, network first.
    func forecast(_ prices: [Double], origins: [Int], horizon: Int) throws -> [ForecastPoint] {
        try ([network] + baselines).flatMap { model -> [ForecastPoint] in
            let calibration = calibrations[model.name]!
            return zip(origins, try model.forecast(prices, origins: origins, horizon: horizon)).flatMap { origin, row in
                row.enumerated().map { step, predicted in
                    let (lower, upper) = calibration.interval(predicted, step: step)
                    return ForecastPoint(model: model.name, origin: origin, horizon: step + 1, predicted: predicted, lower: lower, upper: upper)
                }
            }
        }
    }
}
