import Foundation
import Plexus
import PlexusKit

/// Anything that forecasts the next `horizon` prices from the prices up to an origin. The contract every
/// implementation keeps, and the no-look-ahead test checks: the forecast at origin t reads `prices[0...t]` only.
protocol Forecaster {
    /// The name in the `forecasts` and `metrics` tables.
    var name: String { get }
    /// One row of `horizon` prices per origin.
    func forecast(_ prices: [Double], origins: [Int], horizon: Int) throws -> [[Double]]
}

/// The random walk: every future price is the price at the origin. On daily stock prices this is very hard
/// to beat, which is why every run reports it.
struct NaiveForecaster: Forecaster {
    let name = "naive"

    func forecast(_ prices: [Double], origins: [Int], horizon: Int) -> [[Double]] {
        origins.map { [Double](repeating: prices[$0], count: horizon) }
    }
}

/// The random walk with drift: the line from the first price through the origin's, extended k days
/// (p_t + k · (p_t − p₀) / t), as in Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 5.2.
struct DriftForecaster: Forecaster {
    let name = "drift"

    func forecast(_ prices: [Double], origins: [Int], horizon: Int) -> [[Double]] {
        origins.map { t in
            let slope = t > 0 ? (prices[t] - prices[0]) / Double(t) : 0
            return (1...horizon).map { prices[t] + Double($0) * slope }
        }
    }
}

/// The mean of the last `window` prices for every future day: the same history the network sees.
struct MovingAverageForecaster: Forecaster {
    let name = "moving_average"
    let window: Int

    func forecast(_ prices: [Double], origins: [Int], horizon: Int) -> [[Double]] {
        origins.map { t in
            let history = prices[max(0, t - window + 1)...t]
            return [Double](repeating: history.reduce(0, +) / Double(history.count), count: horizon)
        }
    }
}

/// A trained network with the scalers fitted on its training part: standardised values (and extra inputs) of the
/// `window` days up to the origin in, standardised values of the next `horizon` days out.
struct NetworkForecaster: Forecaster {
    let name: String
    let model: Module
    let scaler: SeriesScaler
    let inputs: NetworkInputs
    let window: Int
    let batchSize: Int

    /// Under `mpirun` the origins are split over the processes.
    func forecast(_ prices: [Double], origins: [Int], horizon: Int) throws -> [[Double]] {
        guard !origins.isEmpty else { return [] }
        let features = inputs.features(own: scaler.scaled(prices))
        let outputs = try model.predictAcrossProcesses(Windows.inputs(features, origins: origins, window: window), batchSize: batchSize).scalars
        return origins.enumerated().map { row, t in
            scaler.prices(fromOutput: outputs[(row * horizon)..<((row + 1) * horizon)], originPrice: prices[t])
        }
    }
}
