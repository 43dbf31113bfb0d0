import Foundation

/// Value-at-risk backtests of quantile forecasts, per level τ (metric names `<model>.<metric>.q<τ>`):
/// - `coverage`: share of returns below the forecast quantile (τ for a calibrated forecast);
/// - `kupiec_p_value`: Kupiec (1995) unconditional coverage, the likelihood-ratio test that the hit rate is τ (χ², 1 d.f.);
/// - `christoffersen_p_value`: Christoffersen (1998) independence, that a hit does not make the next one more likely
///   (first-order Markov against independent hits, χ², 1 d.f.);
/// - `conditional_coverage_p_value`: both at once (the sum of the two statistics, χ², 2 d.f.);
/// - `pinball`: mean pinball loss; `<model>.pinball` is its mean over the levels.
/// Hits of h-day returns from consecutive origins overlap for h > 1, which the tests assume away: backtest with
/// `--horizon 1` for their nominal size.
public enum QuantileMetrics {
    static func pinball(actual: Double, predicted: Double, level: Double) -> Double {
        let difference = actual - predicted
        return difference >= 0 ? level * difference : (level - 1) * difference
    }

    /// x log y with 0 log 0 = 0.
    private static func xlogy(_ x: Double, _ y: Double) -> Double { x == 0 ? 0 : x * log(y) }

    /// The p-value of a χ² statistic with 1 or 2 degrees of freedom.
    static func chiSquaredPValue(_ statistic: Double, degrees: Int) -> Double {
        let value = max(statistic, 0)
        return degrees == 1 ? erfc((value / 2).squareRoot()) : exp(-value / 2)
    }

    /// Kupiec's likelihood-ratio statistic for `hits` of `count` at expected rate `level`.
    static func kupiecStatistic(hits: Int, count: Int, level: Double) -> Double {
        let (x, n) = (Double(hits), Double(count))
        let observed = x / n
        return -2 * (xlogy(n - x, 1 - level) + xlogy(x, level) - xlogy(n - x, 1 - observed) - xlogy(x, observed))
    }

    /// Christoffersen's independence statistic of a hit sequence.
    static func independenceStatistic(_ hits: [Bool]) -> Double {
        var n = [[0.0, 0.0], [0.0, 0.0]]
        for (previous, next) in zip(hits, hits.dropFirst()) { n[previous ? 1 : 0][next ? 1 : 0] += 1 }
        let pi0 = n[0][1] / max(n[0][0] + n[0][1], 1), pi1 = n[1][1] / max(n[1][0] + n[1][1], 1)
        let pi = (n[0][1] + n[1][1]) / max(n[0][0] + n[0][1] + n[1][0] + n[1][1], 1)
        let restricted = xlogy(n[0][0] + n[1][0], 1 - pi) + xlogy(n[0][1] + n[1][1], pi)
        let unrestricted = xlogy(n[0][0], 1 - pi0) + xlogy(n[0][1], pi0) + xlogy(n[1][0], 1 - pi1) + xlogy(n[1][1], pi1)
        return -2 * (restricted - unrestricted)
    }

    /// The metrics of one model's forecasts at one level, in origin order.
    public static func compute(actual: [Double], predicted: [Double], level: Double) -> [String: Double] {
        guard !actual.isEmpty else { return [:] }
        let hits = zip(actual, predicted).map { $0 < $1 }
        let hitCount = hits.filter { $0 }.count
        let kupiec = kupiecStatistic(hits: hitCount, count: hits.count, level: level)
        let independence = independenceStatistic(hits)
        return ["coverage": Double(hitCount) / Double(hits.count),
                "kupiec_p_value": chiSquaredPValue(kupiec, degrees: 1),
                "christoffersen_p_value": chiSquaredPValue(independence, degrees: 1),
                "conditional_coverage_p_value": chiSquaredPValue(kupiec + independence, degrees: 2),
                "pinball": zip(actual, predicted).reduce(0) { $0 + pinball(actual: $1.0, predicted: $1.1, level: level) } / Double(actual.count)]
    }

    /// The `metrics` rows of a quantile run's test forecasts.
    public static func table(_ forecasts: [HorizonForecast]) -> [String: Double] {
        var rows: [String: Double] = [:]
        for (model, points) in Dictionary(grouping: forecasts.filter { $0.actual != nil }, by: \.model) {
            let byLevel = Dictionary(grouping: points) { $0.level ?? 0 }
            for (level, group) in byLevel {
                let ordered = group.sorted { $0.origin < $1.origin }
                for (name, value) in compute(actual: ordered.map { $0.actual! }, predicted: ordered.map(\.predicted), level: level) {
                    rows["\(model).\(name).\(QuantileLevels.label(level))"] = value
                }
            }
            rows["\(model).pinball"] = byLevel.keys.map { rows["\(model).pinball.\(QuantileLevels.label($0))"]! }.reduce(0, +) / Double(byLevel.count)
        }
        return rows
    }
}
