import Foundation
import PlexusFormats

/// How a day's variance is measured, in %² (log returns × 100, arch's scaling).
public enum VolatilityProxy: String, Codable, Sendable {
    /// (100 · log(p_i / p_{i-1}))²: close to close.
    case squaredReturns = "squared_returns"
    /// Parkinson (1980): (100 · log(High_i / Low_i))² / (4 log 2), the range estimator; about five times as
    /// efficient as a squared return, but blind to the overnight gap, so its level is lower.
    case parkinson

    /// `--volatility-proxy`: auto (Parkinson when the file has High and Low, else squared returns), squared, parkinson.
    public static func choose(_ option: String, hasRange: Bool) throws -> VolatilityProxy {
        switch option {
        case "auto": return hasRange ? .parkinson : .squaredReturns
        case "squared": return .squaredReturns
        case "parkinson": return .parkinson
        default: throw ForecastError("--volatility-proxy must be auto, squared or parkinson, found '\(option)'")
        }
    }
}

extension PriceSeries {
    /// Whether the file has High and Low columns for this series (Parkinson's estimator needs them).
    var hasRange: Bool { fields[.high] != nil && fields[.low] != nil }
}

/// A series' daily variances (value i for day i; value 0 is unused) and its daily returns in percent, from which
/// the realised variance target over the next h days is summed.
struct DailyVariance {
    let proxy: VolatilityProxy
    /// Day i's variance in %²; value 0 is 0 and unused (no model reads a day before 1).
    let values: [Double]
    /// 100 · log(p_i / p_{i-1}); value 0 is 0 and unused.
    let returns: [Double]

    /// The realised variance of days t+1 … t+h: the sum of their daily variances (%²).
    func realised(origin t: Int, horizon h: Int) -> Double {
        values[(t + 1)...(t + h)].reduce(0, +)
    }

    /// Mean daily variance over days 1 … end-1 (the training part's).
    func meanVariance(end: Int) -> Double { values[1..<end].reduce(0, +) / Double(end - 1) }
}

extension DailyVariance {
    /// Checks what the proxy needs: every High and Low present with High ≥ Low > 0 for Parkinson.
    init(series: PriceSeries, proxy: VolatilityProxy, path: String) throws {
        let prices = series.prices
        returns = [0] + (1..<prices.count).map { 100 * log(prices[$0] / prices[$0 - 1]) }
        self.proxy = proxy
        switch proxy {
        case .squaredReturns:
            values = returns.map { $0 * $0 }
        case .parkinson:
            guard let highs = series.fields[.high], let lows = series.fields[.low] else {
                throw FormatError(path: path, "'\(series.ticker)': --volatility-proxy parkinson needs High and Low columns; the file has none (use --volatility-proxy squared)")
            }
            values = try zip(highs, lows).enumerated().map { day, range in
                guard let high = range.0, let low = range.1, low > 0, high >= low else {
                    throw FormatError(path: path, "'\(series.ticker)' \(series.dates[day]): Parkinson's estimator needs High ≥ Low > 0, found High \(range.0.map { "\($0)" } ?? "missing"), Low \(range.1.map { "\($0)" } ?? "missing") (use --volatility-proxy squared)")
                }
                let logRange = 100 * log(high / low)
                return day == 0 ? 0 : logRange * logRange / (4 * log(2.0))
            }
        }
    }
}

/// Anything that forecasts the realised variance of the `horizon` days after each origin from the data up to it.
/// As with `Forecaster`, the forecast at origin t reads days 0 … t only (the look-ahead test checks it).
protocol VarianceForecaster {
    var name: String { get }
    func forecast(_ daily: DailyVariance, origins: [Int], horizon: Int) throws -> [Double]
}

/// GARCH(1,1) fitted on the training part's returns, filtered through each origin's past with those parameters.
/// With the Parkinson proxy its forecasts are multiplied by the training part's mean Parkinson variance over its
/// mean squared return, so the comparison is about the dynamics, not about the two estimators' different levels.
struct GarchForecaster: VarianceForecaster {
    let name = "garch"
    let model: Garch
    let levelRatio: Double

    init(fitting daily: DailyVariance, end: Int) {
        let training = Array(daily.returns[1..<end])
        model = Garch.fit(training)
        let meanSquare = training.reduce(0) { $0 + $1 * $1 } / Double(training.count)
        levelRatio = daily.proxy == .parkinson ? daily.meanVariance(end: end) / meanSquare : 1
    }

    func forecast(_ daily: DailyVariance, origins: [Int], horizon: Int) -> [Double] {
        guard let last = origins.max() else { return [] }
        // Entry k is the variance of return k + 1 given the ones before: entry t, day t+1's given days up to t.
        let next = model.variances(Array(daily.returns[1...last]))
        return origins.map { t in levelRatio * model.forecast(after: next[t], horizon: horizon).reduce(0, +) }
    }
}

/// RiskMetrics (J.P. Morgan 1996): v_t = λ v_{t-1} + (1 − λ) x_t with λ = 0.94, started at the first day's
/// variance; the forecast for each of the next days is v_t.
struct EwmaForecaster: VarianceForecaster {
    let name = "ewma"
    let lambda = 0.94

    func forecast(_ daily: DailyVariance, origins: [Int], horizon: Int) -> [Double] {
        guard let last = origins.max() else { return [] }
        var level = [Double](repeating: daily.values[1], count: last + 1)
        for t in stride(from: 2, through: last, by: 1) { level[t] = lambda * level[t - 1] + (1 - lambda) * daily.values[t] }
        return origins.map { Double(horizon) * level[$0] }
    }
}

/// The mean daily variance of days 1 … t, times the horizon.
struct HistoricalMeanForecaster: VarianceForecaster {
    let name = "historical_mean"

    func forecast(_ daily: DailyVariance, origins: [Int], horizon: Int) -> [Double] {
        guard let last = origins.max() else { return [] }
        var sums = [Double](repeating: 0, count: last + 1)
        for t in stride(from: 1, through: last, by: 1) { sums[t] = sums[t - 1] + daily.values[t] }
        return origins.map { Double(horizon) * sums[$0] / Double($0) }
    }
}
