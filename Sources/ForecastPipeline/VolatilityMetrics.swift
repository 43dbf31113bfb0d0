import Foundation

/// One forecast of a volatility or quantile run: a quantity of the `horizon` days after `origin` (the realised
/// variance in %², or the `level` quantile of the h-day return in percent), and its actual value.
public struct HorizonForecast: Sendable, Equatable {
    public let model: String
    public let origin: Int
    /// The quantile level of a quantile forecast; nil for a variance forecast.
    public var level: Double? = nil
    public let predicted: Double
    /// Nil for forecasts past the end of the data.
    public let actual: Double?
}

/// Test metrics of variance forecasts (Patton 2011, "Volatility forecast comparison using imperfect volatility
/// proxies": QLIKE and MSE rank forecasts correctly even when the realised variance is a noisy proxy):
/// - `qlike`: mean of a/f − log(a/f) − 1 (0 for a perfect forecast; penalises under-prediction more);
/// - `mse`: mean (a − f)², in %⁴;
/// - `mz_r2`, `mz_intercept`, `mz_slope`: the Mincer–Zarnowitz regression a = b₀ + b₁ f + e (an unbiased forecast has
///   b₀ = 0, b₁ = 1; R² is the share of the realised variance's variation the forecast explains);
/// - `dm_p_value` (every model but `garch`): the Diebold–Mariano p-value of the QLIKE difference with GARCH.
public enum VolatilityMetrics {
    /// A realised variance of exactly 0 (no move for h days) is floored here so that QLIKE stays finite.
    static let floor = 1e-10

    static func qlike(actual: Double, predicted: Double) -> Double {
        let ratio = max(actual, floor) / predicted
        return ratio - log(ratio) - 1
    }

    public static func compute(actual: [Double], predicted: [Double]) -> [String: Double] {
        let n = Double(actual.count)
        guard actual.count > 1 else { return [:] }
        var rows = ["qlike": zip(actual, predicted).reduce(0) { $0 + qlike(actual: $1.0, predicted: $1.1) } / n,
                    "mse": zip(actual, predicted).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / n]
        let meanA = actual.reduce(0, +) / n, meanF = predicted.reduce(0, +) / n
        var covariance = 0.0, varianceA = 0.0, varianceF = 0.0
        for (a, f) in zip(actual, predicted) {
            covariance += (a - meanA) * (f - meanF)
            varianceA += (a - meanA) * (a - meanA)
            varianceF += (f - meanF) * (f - meanF)
        }
        if varianceF > 0 && varianceA > 0 {
            let slope = covariance / varianceF
            rows["mz_slope"] = slope
            rows["mz_intercept"] = meanA - slope * meanF
            rows["mz_r2"] = covariance * covariance / (varianceA * varianceF)
        }
        return rows
    }

    /// The `metrics` rows of a volatility run: `<model>.<metric>` for the test forecasts (those with an actual).
    public static func table(_ forecasts: [HorizonForecast], horizon: Int) -> [String: Double] {
        let tested = forecasts.filter { $0.actual != nil }
        let byModel = Dictionary(grouping: tested, by: \.model).mapValues { $0.sorted { $0.origin < $1.origin } }
        var rows: [String: Double] = [:]
        for (model, points) in byModel {
            for (name, value) in compute(actual: points.map { $0.actual! }, predicted: points.map(\.predicted)) { rows["\(model).\(name)"] = value }
            if model != "garch", let garch = byModel["garch"] {
                let garchLoss = Dictionary(uniqueKeysWithValues: garch.map { ($0.origin, qlike(actual: $0.actual!, predicted: $0.predicted)) })
                let differentials = points.compactMap { point in
                    garchLoss[point.origin].map { qlike(actual: point.actual!, predicted: point.predicted) - $0 }
                }
                rows["\(model).dm_p_value"] = ForecastMetrics.dieboldMariano(differentials: differentials, horizon: horizon)
            }
        }
        return rows
    }
}
