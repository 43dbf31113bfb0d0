import Foundation
import Plexus

/// The text tables `forecast` prints, in fixed-width columns (one space apart, at least 16 characters for a model
/// and 10 for a number) so that the tables of several tickers line up.
extension TickerReport {
    /// The models in table order: the network, then the baselines.
    var models: [String] { [model, "naive", "drift", "moving_average"] }

    /// Test metrics over all horizons, one row per model.
    public var metricsTable: String {
        let columns: [(name: String, title: String, format: String)] = [
            ("mae", "MAE", "%.2f"), ("rmse", "RMSE", "%.2f"), ("mape", "MAPE%", "%.3f"), ("smape", "sMAPE%", "%.3f"),
            ("mase", "MASE", "%.3f"), ("hit_rate", "hit rate", "%.3f"), ("coverage", "coverage", "%.3f"), ("interval_width", "width", "%.1f"),
        ]
        var table = TextTable([.left("model", minimumWidth: 16)] + columns.map { .right($0.title, minimumWidth: 9) }, separator: " ")
        for name in models {
            table.add([name] + columns.map { column in metrics["\(name).\(column.name)"].map { String(format: column.format, $0) } ?? "-" })
        }
        return table.rendered
    }

    /// MASE per horizon step, one row per model.
    public var horizonTable: String {
        let horizon = ahead.filter { $0.model == model }.count
        var table = TextTable([.left("MASE by horizon", minimumWidth: 16)] + (1...horizon).map { .right("h=\($0)", minimumWidth: 8) },
                              separator: " ")
        for name in models {
            table.add([name] + (1...horizon).map { k in metrics["\(name).mase.h\(k)"].map { String(format: "%.3f", $0) } ?? "-" })
        }
        return table.rendered
    }

    /// One line: did the network beat the random walk on the test origins (by MASE over all horizons)?
    public var verdict: String {
        guard let network = metrics["\(model).mase"], let naive = metrics["naive.mase"] else { return "" }
        let comparison = String(format: "MASE %.3f vs %.3f", network, naive)
        let significance = dieboldMarianoNote(metrics["\(model).dm_p_value"])
        if network < naive {
            return "The \(model) beat the naive forecast on the test origins: \(comparison) (\(String(format: "%.1f", 100 * (1 - network / naive)))% lower\(significance))."
        }
        return "The \(model) did not beat the naive forecast on the test origins: \(comparison) (\(String(format: "%.1f", 100 * (network / naive - 1)))% higher\(significance))."
    }

    public var aheadTable: String {
        forecastTable(ahead, dates: aheadDates, level: intervalLevel)
    }
}

extension PredictReport {
    public var table: String { forecastTable(points, dates: dates, level: intervalLevel) }
}

/// "; Diebold–Mariano p = 0.123: a difference within chance", or nothing without a p-value.
func dieboldMarianoNote(_ p: Double?) -> String {
    guard let p else { return "" }
    return (p < 0.001 ? "; Diebold–Mariano p < 0.001" : String(format: "; Diebold–Mariano p = %.3f", p))
        + (p < 0.05 ? ": a real difference" : ": a difference within chance")
}

/// Forecasts from one origin: one row per future date with the network's interval, and the baselines' points.
func forecastTable(_ points: [ForecastPoint], dates: [PriceDate], level: Double) -> String {
    guard let network = points.first?.model else { return "" }
    let baselines = ["naive", "drift", "moving_average"]
    let percent = "\(Int((level * 100).rounded()))% interval"
    var table = TextTable([.left("date", minimumWidth: 12), .right(network, minimumWidth: 10), .right(percent, minimumWidth: 23)]
                          + baselines.map { .right($0, minimumWidth: 15) }, separator: " ")
    for (step, date) in dates.enumerated() {
        guard let point = points.first(where: { $0.model == network && $0.horizon == step + 1 }) else { continue }
        let interval = String(format: "%.2f … %.2f", point.lower, point.upper)
        table.add([date.description, String(format: "%.2f", point.predicted), interval] + baselines.map { name in
            points.first { $0.model == name && $0.horizon == step + 1 }.map { String(format: "%.2f", $0.predicted) } ?? "-"
        })
    }
    return table.rendered
}

extension VolatilityReport {
    /// The models in table order: the network, then GARCH, EWMA and the historical mean.
    var models: [String] { [model] + FittedVolatilityModels.baselineNames }

    /// QLIKE, MSE, Mincer–Zarnowitz and the Diebold–Mariano p-value against GARCH, one row per model.
    public var metricsTable: String {
        let columns: [(name: String, title: String, format: String)] = [
            ("qlike", "QLIKE", "%.4f"), ("mse", "MSE", "%.3f"), ("mz_r2", "MZ R²", "%.3f"), ("mz_intercept", "MZ b0", "%.3f"),
            ("mz_slope", "MZ b1", "%.3f"), ("dm_p_value", "DM p vs garch", "%.3f"),
        ]
        var table = TextTable([.left("model", minimumWidth: 16)] + columns.map { .right($0.title, minimumWidth: 9) }, separator: " ")
        for name in models {
            table.add([name] + columns.map { column in metrics["\(name).\(column.name)"].map { String(format: column.format, $0) } ?? "-" })
        }
        return table.rendered
    }

    /// One line: did the network beat GARCH(1,1) on QLIKE at the test origins, and is the difference more than chance?
    public var verdict: String {
        guard let network = metrics["\(model).qlike"], let garch = metrics["garch.qlike"] else { return "" }
        let comparison = String(format: "QLIKE %.4f vs %.4f", network, garch)
        let significance = dieboldMarianoNote(metrics["\(model).dm_p_value"])
        let beat = network < garch
        let change = beat ? 100 * (1 - network / garch) : 100 * (network / garch - 1)
        return "The \(model) \(beat ? "beat" : "did not beat") GARCH(1,1) on the test origins: \(comparison) (\(String(format: "%.1f", change))% \(beat ? "lower" : "higher")\(significance))."
    }

    /// Each model's forecast of the next `horizon` days' variance and volatility.
    public var aheadTable: String {
        var table = TextTable([.left("model", minimumWidth: 16), .right("variance %²", minimumWidth: 12), .right("volatility %", minimumWidth: 12)], separator: " ")
        for forecast in ahead { table.add([forecast.model, String(format: "%.3f", forecast.predicted), String(format: "%.3f", forecast.predicted.squareRoot())]) }
        return table.rendered
    }
}

extension QuantileReport {
    var models: [String] { [model] + QuantileReport.baselineNames }

    /// One row per model, one column per level, of metric `name` (see `QuantileMetrics`), after the mean pinball loss.
    public func table(_ name: String, title: String) -> String {
        var table = TextTable([.left(title, minimumWidth: 22), .right("pinball", minimumWidth: 8)]
                              + levels.map { .right(QuantileLevels.label($0), minimumWidth: 7) }, separator: " ")
        for model in models {
            table.add([model, metrics["\(model).pinball"].map { String(format: "%.4f", $0) } ?? "-"]
                      + levels.map { level in metrics["\(model).\(name).\(QuantileLevels.label(level))"].map { String(format: "%.3f", $0) } ?? "-" })
        }
        return table.rendered
    }

    /// The value-at-risk line: each model's hit rate at the 5% level (else the lowest level) with its Kupiec p-value.
    public var valueAtRisk: String {
        let level = levels.contains(0.05) ? 0.05 : levels[0]
        let label = QuantileLevels.label(level)
        let parts = models.compactMap { model -> String? in
            guard let coverage = metrics["\(model).coverage.\(label)"], let p = metrics["\(model).kupiec_p_value.\(label)"] else { return nil }
            return String(format: "%@ %.2f%% (Kupiec p = %.3f%@)", model, 100 * coverage, p, p < 0.05 ? ", rejected at 5%" : "")
        }
        return String(format: "%g%% VaR (%d-day): share of test returns below it, ", 100 * level, horizon) + parts.joined(separator: ", ") + "."
    }
}
