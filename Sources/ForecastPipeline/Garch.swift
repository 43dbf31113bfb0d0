import Foundation

/// GARCH(1,1) with a constant mean and normal innovations, fitted by maximum likelihood, with the conventions of
/// Kevin Sheppard's `arch` (`arch_model(y, mean="Constant", vol="GARCH", p=1, q=1, dist="normal")`), which the
/// fixture test checks it against:
///
///     y_t = μ + ε_t,   σ²_t = ω + α ε²_{t-1} + β σ²_{t-1},   log L = −½ Σ (log 2π + log σ²_t + ε²_t / σ²_t)
///
/// The recursion starts from arch's *backcast*: the first 75 squared residuals about the sample mean, weighted by
/// 0.94^i, stand in for ε²_{-1} and σ²_{-1}. Returns are expected in percent (100 × log returns, arch's own
/// scaling), which keeps ω near 0.01–0.1 and the optimiser well conditioned.
///
/// **Normal, not Student-t, innovations.** The normal likelihood is a quasi-likelihood: its estimates of μ, ω, α, β
/// stay consistent when the true innovations have fat tails (Bollerslev & Wooldridge 1992), and the variance forecast
/// (the volatility target) depends only on them. A Student-t adds a degrees-of-freedom parameter that matters for
/// tail quantiles, not for the variance forecast.
struct Garch: Equatable {
    var mu: Double
    var omega: Double
    var alpha: Double
    var beta: Double
    /// Stands in for ε² and σ² before the first observation.
    var backcast: Double

    /// The backcast of `returns`: 0.94^i-weighted mean of the first 75 squared deviations from the mean.
    static func backcast(_ returns: [Double]) -> Double {
        let mean = returns.reduce(0, +) / Double(returns.count)
        let count = min(75, returns.count)
        let weights = (0..<count).map { pow(0.94, Double($0)) }
        let total = weights.reduce(0, +)
        return zip(returns.prefix(count), weights).reduce(0) { $0 + ($1.0 - mean) * ($1.0 - mean) * $1.1 } / total
    }

    /// σ²_0 … σ²_n for `returns` (n = count): value t is the variance of return t given the returns before it; the
    /// last is the variance of the day after the data.
    func variances(_ returns: [Double]) -> [Double] {
        var sigma2 = [Double](repeating: 0, count: returns.count + 1)
        var previousSquare = backcast, previousVariance = backcast
        for t in 0...returns.count {
            sigma2[t] = omega + alpha * previousSquare + beta * previousVariance
            if t < returns.count {
                previousSquare = (returns[t] - mu) * (returns[t] - mu)
                previousVariance = sigma2[t]
            }
        }
        return sigma2
    }

    /// The Gaussian log-likelihood of `returns`.
    func logLikelihood(_ returns: [Double]) -> Double {
        let sigma2 = variances(returns)
        var total = 0.0
        for t in returns.indices {
            let residual = returns[t] - mu
            total += log(sigma2[t]) + residual * residual / sigma2[t]
        }
        return -0.5 * (Double(returns.count) * log(2 * Double.pi) + total)
    }

    /// The expected variance of each of the `horizon` days after the data: σ²_{n+1} from the recursion, then
    /// E σ²_{n+k} = ω + (α + β) E σ²_{n+k-1}.
    func forecast(after sigma2Next: Double, horizon: Int) -> [Double] {
        var next = sigma2Next
        return (0..<horizon).map { step in
            if step > 0 { next = omega + (alpha + beta) * next }
            return next
        }
    }

    /// The maximum-likelihood fit on `returns` (in percent). Nelder–Mead over unconstrained variables: μ as is,
    /// ω = e^a, α + β = logistic(b) < 1 (covariance stationary, as arch constrains), α = (α + β) · logistic(c);
    /// it starts where arch does (α = 0.1, β = 0.88, ω matching the sample variance).
    static func fit(_ returns: [Double]) -> Garch {
        let count = Double(returns.count)
        let mean = returns.reduce(0, +) / count
        let variance = max(returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count, 1e-12)
        let backcast = backcast(returns)
        func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        func logit(_ p: Double) -> Double { log(p / (1 - p)) }
        func model(_ x: [Double]) -> Garch {
            let persistence = logistic(x[2]), alpha = persistence * logistic(x[3])
            return Garch(mu: x[0], omega: exp(x[1]), alpha: alpha, beta: persistence - alpha, backcast: backcast)
        }
        let start = [mean, log(variance * 0.02), logit(0.98), logit(0.1 / 0.98)]
        let result = NelderMead.minimise({ x in
            let value = -model(x).logLikelihood(returns)
            return value.isFinite ? value : .greatestFiniteMagnitude
        }, start: start, step: 0.1)
        return model(result.point)
    }
}
