import Foundation
import Plexus

/// Where a series of N prices p₀ … p_{N-1} is cut, and which origins each part uses.
///
/// An *origin* t is the last day a forecaster may look at: it gets p₀ … p_t and predicts p_{t+1} … p_{t+h}.
/// - test part: the last `round(testFraction · N)` prices, from index `testStart`; its origins run from
///   `testStart - 1` (the last training day, forecasting the first test days) to `N - 1 - h`, so every forecast
///   has its actual values;
/// - training part: p₀ … p_{testStart-1}. A network's training samples are origins inside it, see `TrainingOrigins`.
public struct SeriesSplit: Sendable, Equatable {
    public let count: Int
    public let window: Int
    public let horizon: Int
    /// Index of the first test price.
    public let testStart: Int

    /// `nil` when the series is too short for at least one test origin and one fit and one validation sample.
    public init?(count: Int, testFraction: Double, window: Int, horizon: Int, validationFraction: Double) {
        self.count = count
        self.window = window
        self.horizon = horizon
        let testCount = Int((Double(count) * testFraction).rounded())
        testStart = count - testCount
        guard testCount >= horizon, TrainingOrigins(end: testStart, window: window, horizon: horizon, validationFraction: validationFraction) != nil
        else { return nil }
    }

    /// The walk-forward origins over the test part.
    public var testOrigins: [Int] { Array((testStart - 1)...(count - 1 - horizon)) }

    /// The fewest prices for which `init` succeeds with these settings.
    public static func minimumCount(testFraction: Double, window: Int, horizon: Int, validationFraction: Double) -> Int {
        var count = window + horizon + 1
        while SeriesSplit(count: count, testFraction: testFraction, window: window, horizon: horizon, validationFraction: validationFraction) == nil {
            count += 1
        }
        return count
    }
}

/// The training samples of a network whose training part is p₀ … p_{end-1}: origins t whose input window
/// (the `window` log returns ending at t, which reach back to p_{t-window}) and targets p_{t+1} … p_{t+h} all lie
/// inside it. The last `validationFraction` of them (in time order, never shuffled) are the validation slice used
/// for early stopping and for calibrating the intervals; the fit samples stop `horizon` days before it, so no fit
/// target is a validation target.
public struct TrainingOrigins: Sendable, Equatable {
    public let fit: [Int]
    public let validation: [Int]

    public init?(end: Int, window: Int, horizon: Int, validationFraction: Double) {
        let last = end - 1 - horizon
        guard last >= window else { return nil }
        let all = last - window + 1
        let validationCount = max(1, Int((Double(all) * validationFraction).rounded()))
        let firstValidation = last - validationCount + 1
        let lastFit = firstValidation - horizon
        guard lastFit >= window else { return nil }
        fit = Array(window...lastFit)
        validation = Array(firstValidation...last)
    }
}

/// What the network predicts.
public enum ForecastTarget: String, CaseIterable, Sendable, Codable {
    /// Daily log returns log(p_i / p_{i-1}); the forecast price compounds them from the origin's price.
    case returns
    /// The prices themselves.
    case price
}

/// Turns prices into the standardised values a network sees and back. Fitted on a training part only: the
/// mean and standard deviation of the log returns (or prices) in it.
public struct SeriesScaler: Sendable, Equatable, Codable {
    public let target: ForecastTarget
    public let mean: Double
    public let std: Double

    public init(target: ForecastTarget, mean: Double, std: Double) {
        self.target = target
        self.mean = mean
        self.std = std
    }

    /// Fits on p₀ … p_{end-1}.
    public init(fitting prices: [Double], end: Int, target: ForecastTarget) {
        let all = SeriesScaler.rawValues(prices[0..<end], target: target)
        let values = target == .returns ? all.dropFirst() : all[...]  // returns start at index 1
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        // A flat training part has nothing to scale; leaving the values unscaled keeps them finite.
        self.init(target: target, mean: mean, std: variance > 0 ? variance.squareRoot() : 1)
    }

    /// Per-day values aligned with the prices: value i is log(p_i / p_{i-1}) or p_i (value 0 of returns is unused).
    /// Each value depends on p_i and p_{i-1} only, so a window ending at t never sees a price after t.
    static func rawValues(_ prices: ArraySlice<Double>, target: ForecastTarget) -> [Double] {
        switch target {
        case .price: return Array(prices)
        case .returns:
            var values = [Double](repeating: 0, count: prices.count)
            let base = prices.startIndex
            for i in 1..<prices.count { values[i] = log(prices[base + i] / prices[base + i - 1]) }
            return values
        }
    }

    /// The standardised per-day values of a whole series.
    public func scaled(_ prices: [Double]) -> [Float] {
        SeriesScaler.rawValues(prices[...], target: target).map { Float(($0 - mean) / std) }
    }

    /// The prices a network output means, given the price at the origin.
    public func prices(fromOutput output: ArraySlice<Float>, originPrice: Double) -> [Double] {
        let values = output.map { Double($0) * std + mean }
        switch target {
        case .price: return values
        case .returns:
            var price = originPrice
            return values.map { price *= exp($0); return price }
        }
    }
}

/// A network's samples, cut from a series of scaled per-day values.
enum Windows {
    /// The input at origin t: the `window` values ending at t.
    static func input(_ scaled: [Float], origin: Int, window: Int) -> ArraySlice<Float> {
        scaled[(origin - window + 1)...origin]
    }

    /// The targets at origin t: the values of days t+1 … t+h.
    static func targets(_ scaled: [Float], origin: Int, horizon: Int) -> ArraySlice<Float> {
        scaled[(origin + 1)...(origin + horizon)]
    }

    /// The inputs at `origins` as one (origins, window, 1) tensor: batch-first sequences of one feature.
    static func inputs(_ scaled: [Float], origins: [Int], window: Int) -> Tensor {
        inputs([scaled], origins: origins, window: window)
    }

    /// The inputs at `origins` as one (origins, window, features) tensor, one per-day column per feature.
    static func inputs(_ features: [[Float]], origins: [Int], window: Int) -> Tensor {
        var values: [Float] = []
        values.reserveCapacity(origins.count * window * features.count)
        for t in origins {
            for day in (t - window + 1)...t {
                for feature in features { values.append(feature[day]) }
            }
        }
        return Tensor(shape: [origins.count, window, features.count], scalars: values)
    }
}
