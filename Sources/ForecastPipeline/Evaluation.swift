import Foundation
import PlexusKit

/// Prediction intervals from residual quantiles, one pair per horizon step.
///
/// The residuals come from a model's forecasts at the validation origins (the end of the training part, which it
/// was not fitted on), so the test part plays no role in them. With positive prices they are log ratios
/// log(actual / predicted) and the interval is multiplicative (it widens with the price level); otherwise they
/// are differences and the interval is additive.
public struct IntervalCalibration: Sendable, Equatable, Codable {
    public let level: Double
    public let multiplicative: Bool
    /// Quantile `(1 − level) / 2` of the residuals at each horizon step.
    public let lower: [Double]
    /// Quantile `(1 + level) / 2`.
    public let upper: [Double]

    public init(level: Double, multiplicative: Bool, lower: [Double], upper: [Double]) {
        self.level = level
        self.multiplicative = multiplicative
        self.lower = lower
        self.upper = upper
    }

    /// Calibrates on forecasts and their actual values (one row of `horizon` values per origin).
    public init(forecasts: [[Double]], actuals: [[Double]], level: Double, multiplicative: Bool) {
        let horizon = forecasts.first?.count ?? 0
        var lower: [Double] = [], upper: [Double] = []
        for k in 0..<horizon {
            let residuals = zip(forecasts, actuals).map { multiplicative ? log($1[k] / $0[k]) : $1[k] - $0[k] }.sorted()
            lower.append(Statistics.quantile(residuals, (1 - level) / 2))
            upper.append(Statistics.quantile(residuals, (1 + level) / 2))
        }
        self.init(level: level, multiplicative: multiplicative, lower: lower, upper: upper)
    }

    /// The interval around `point` at horizon step `step` (0-based).
    public func interval(_ point: Double, step: Int) -> (lower: Double, upper: Double) {
        multiplicative ? (point * exp(lower[step]), point * exp(upper[step])) : (point + lower[step], point + upper[step])
    }
}

/// One forecast of one model: the price `step + 1` days after `origin` (indices into the series).
public struct ForecastPoint: Sendable, Equatable {
    public let model: String
    public let origin: Int
    /// 1-based horizon.
    public let horizon: Int
    public let predicted: Double
    public let lower: Double
    public let upper: Double
}

/// The test metrics, as in the M4 competition and Darts' backtests, over every (origin, horizon) pair:
/// - `mae`, `rmse`: in price units;
/// - `mape`, `smape`: percentages, 100·|a − f|/|a| and 200·|a − f|/(|a| + |f|);
/// - `mase`: MAE divided by the in-sample MAE of the one-day naive forecast on the training part (below 1: better
///   than a one-day random walk was in-sample; compare it with `naive.mase` on the same test origins);
/// - `hit_rate`: share of forecasts that get the direction of the move from the origin's price right, over the
///   pairs where both the forecast and the actual move (the naive forecast never moves, so it has none);
/// - `coverage`: share of actual prices inside the interval, to compare with the nominal level;
/// - `interval_width`: mean upper − lower, in price units;
/// - `dm_p_value` (all models but `naive`): whether the MAE differs from the naive forecast's by more than chance.
public enum ForecastMetrics {
    /// The in-sample scale of MASE: the mean absolute one-day change over p₀ … p_{end-1}.
    public static func naiveScale(_ prices: [Double], end: Int) -> Double {
        let changes = (1..<end).map { abs(prices[$0] - prices[$0 - 1]) }
        return changes.reduce(0, +) / Double(changes.count)
    }

    /// Metrics of `points` (any mix of origins and horizons) against the series. Each name maps to a value;
    /// a metric with no defined value (hit rate without moves) is absent.
    public static func compute(_ points: [ForecastPoint], prices: [Double], scale: Double) -> [String: Double] {
        guard !points.isEmpty else { return [:] }
        var absolute = 0.0, squared = 0.0, percentage = 0.0, symmetric = 0.0, covered = 0.0, width = 0.0
        var hits = 0, moves = 0
        for point in points {
            let actual = prices[point.origin + point.horizon]
            let error = actual - point.predicted
            absolute += abs(error)
            squared += error * error
            percentage += abs(error / actual)
            let denominator = abs(actual) + abs(point.predicted)
            symmetric += denominator > 0 ? 2 * abs(error) / denominator : 0
            covered += point.lower <= actual && actual <= point.upper ? 1 : 0
            width += point.upper - point.lower
            let start = prices[point.origin]
            let predictedMove = point.predicted - start, actualMove = actual - start
            if predictedMove != 0 && actualMove != 0 {
                moves += 1
                if (predictedMove > 0) == (actualMove > 0) { hits += 1 }
            }
        }
        let n = Double(points.count)
        var result = ["mae": absolute / n, "rmse": (squared / n).squareRoot(), "mape": 100 * percentage / n,
                      "smape": 100 * symmetric / n, "mase": absolute / n / scale, "coverage": covered / n, "interval_width": width / n]
        if moves > 0 { result["hit_rate"] = Double(hits) / Double(moves) }
        return result
    }

    /// The `metrics` rows of a run: `<model>.<metric>` over all horizons, `<model>.<metric>.h<k>` per horizon, and
    /// for every model but the naive one `<model>.dm_p_value`, see `dieboldMariano`.
    public static func table(_ points: [ForecastPoint], prices: [Double], scale: Double) -> [String: Double] {
        var rows: [String: Double] = [:]
        let byModel = Dictionary(grouping: points, by: \.model)
        for (model, modelPoints) in byModel {
            for (name, value) in compute(modelPoints, prices: prices, scale: scale) { rows["\(model).\(name)"] = value }
            for (horizon, horizonPoints) in Dictionary(grouping: modelPoints, by: \.horizon) {
                for (name, value) in compute(horizonPoints, prices: prices, scale: scale) { rows["\(model).\(name).h\(horizon)"] = value }
            }
            if model != "naive", let naive = byModel["naive"] {
                rows["\(model).dm_p_value"] = dieboldMariano(modelPoints, naive, prices: prices)
            }
        }
        return rows
    }

    /// The two-sided p-value of the Diebold–Mariano test (1995) that two forecasters have the same mean absolute
    /// error on the same origins: a small value means the difference between their MAEs is more than luck.
    /// The loss differential of an origin is the mean over its horizons of |error of a| − |error of b|.
    public static func dieboldMariano(_ a: [ForecastPoint], _ b: [ForecastPoint], prices: [Double]) -> Double? {
        func lossByOrigin(_ points: [ForecastPoint]) -> [Int: Double] {
            Dictionary(grouping: points, by: \.origin).mapValues { group in
                group.map { abs(prices[$0.origin + $0.horizon] - $0.predicted) }.reduce(0, +) / Double(group.count)
            }
        }
        let lossA = lossByOrigin(a), lossB = lossByOrigin(b)
        let differentials = lossA.keys.sorted().compactMap { origin in lossB[origin].map { lossA[origin]! - $0 } }
        return dieboldMariano(differentials: differentials, horizon: a.map(\.horizon).max() ?? 1)
    }

    /// The Diebold–Mariano p-value of loss differentials at consecutive origins. Forecasts h days ahead from
    /// consecutive origins overlap, so the differentials are autocorrelated up to lag h − 1; their long-run variance
    /// is the Newey–West sum over those lags (Bartlett weights), and the statistic is compared with the normal
    /// distribution. Nil when the differential has no variance (identical forecasts).
    public static func dieboldMariano(differentials: [Double], horizon: Int) -> Double? {
        let n = Double(differentials.count)
        guard differentials.count > 1 else { return nil }
        let mean = differentials.reduce(0, +) / n
        let lags = horizon - 1
        func autocovariance(_ lag: Int) -> Double {
            (lag..<differentials.count).reduce(0) { $0 + (differentials[$1] - mean) * (differentials[$1 - lag] - mean) } / n
        }
        var variance = autocovariance(0)
        for lag in stride(from: 1, through: lags, by: 1) { variance += 2 * (1 - Double(lag) / Double(lags + 1)) * autocovariance(lag) }
        guard variance > 0 else { return nil }
        let statistic = mean / (variance / n).squareRoot()
        return erfc(abs(statistic) / 2.0.squareRoot())
    }
}
