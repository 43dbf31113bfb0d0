import Foundation

/// Minimises a smooth function of a few unconstrained variables without derivatives (Nelder & Mead 1965, with the
/// dimension-adaptive coefficients of Gao & Han 2012). Constraints are the caller's business: it reparametrises
/// (exp for a positive value, logistic for a share), so every point the simplex visits is valid.
///
/// The search restarts from its best point with a fresh simplex until a restart no longer improves the minimum:
/// a simplex that collapsed early along a ridge gets a second look, as `scipy.optimize.fmin` users do by hand.
enum NelderMead {
    struct Result {
        let point: [Double]
        let value: Double
        let evaluations: Int
    }

    /// `f` at `start`, then the minimum found; `step` sizes the first simplex along each axis.
    static func minimise(_ f: ([Double]) -> Double, start: [Double], step: Double = 0.1, tolerance: Double = 1e-12,
                         maxEvaluations: Int = 50_000) -> Result {
        var best = (point: start, value: f(start))
        var evaluations = 1
        for _ in 0..<10 {
            let round = search(f, start: best.point, step: step, tolerance: tolerance, maxEvaluations: maxEvaluations - evaluations)
            evaluations += round.evaluations
            let improved = best.value - round.value > tolerance * max(1, abs(best.value))
            if round.value < best.value { best = (round.point, round.value) }
            if !improved || evaluations >= maxEvaluations { break }
        }
        return Result(point: best.point, value: best.value, evaluations: evaluations)
    }

    private static func search(_ f: ([Double]) -> Double, start: [Double], step: Double, tolerance: Double, maxEvaluations: Int) -> Result {
        let n = Double(start.count)
        let (reflection, expansion, contraction, shrink) = (1.0, 1 + 2 / n, 0.75 - 1 / (2 * n), 1 - 1 / n)
        var simplex = [start] + start.indices.map { axis in
            var vertex = start
            vertex[axis] += vertex[axis] == 0 ? step : step * max(1, abs(vertex[axis]))
            return vertex
        }
        var values = simplex.map(f)
        var evaluations = values.count
        func blend(_ a: [Double], _ b: [Double], _ t: Double) -> [Double] { zip(a, b).map { $0 + t * ($1 - $0) } }
        while evaluations < maxEvaluations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            let spread = abs(values.last! - values[0])
            let size = simplex.dropFirst().map { vertex in zip(vertex, simplex[0]).map { abs($0 - $1) }.max()! }.max()!
            if spread <= tolerance * max(1, abs(values[0])) && size <= tolerance.squareRoot() { break }

            let worst = simplex.count - 1
            let centroid = simplex[0..<worst].reduce([Double](repeating: 0, count: start.count)) { zip($0, $1).map { $0 + $1 } }
                .map { $0 / Double(worst) }
            let reflected = blend(centroid, simplex[worst], -reflection)
            let reflectedValue = f(reflected)
            evaluations += 1
            if reflectedValue < values[0] {
                let expanded = blend(centroid, simplex[worst], -expansion)
                let expandedValue = f(expanded)
                evaluations += 1
                (simplex[worst], values[worst]) = expandedValue < reflectedValue ? (expanded, expandedValue) : (reflected, reflectedValue)
            } else if reflectedValue < values[worst - 1] {
                (simplex[worst], values[worst]) = (reflected, reflectedValue)
            } else {
                let outside = reflectedValue < values[worst]
                let contracted = outside ? blend(centroid, reflected, contraction) : blend(centroid, simplex[worst], contraction)
                let contractedValue = f(contracted)
                evaluations += 1
                if contractedValue < min(reflectedValue, values[worst]) {
                    (simplex[worst], values[worst]) = (contracted, contractedValue)
                } else {
                    for index in 1..<simplex.count {
                        simplex[index] = blend(simplex[0], simplex[index], shrink)
                        values[index] = f(simplex[index])
                    }
                    evaluations += simplex.count - 1
                }
            }
        }
        let bestIndex = values.indices.min { values[$0] < values[$1] }!
        return Result(point: simplex[bestIndex], value: values[bestIndex], evaluations: evaluations)
    }
}
