import Foundation
import PlexusKit
import PlexusStore

/// forecast: the test period and the future with intervals (the model's one-step-ahead forecasts and the naive
/// baseline's, against the actual prices), MASE per horizon for every model, and the forecasts table (with the
/// volatility and quantile forecasts of `--target volatility|quantiles` runs, which the price chart leaves out).
enum ForecastView {
    static func add(_ store: Store, _ request: PageRequest, run: RunRecord, to page: inout Page) throws {
        let targets = try PipelineViews.hasColumn(store, "forecasts", "target")
        let models = try store.read { try $0.values(String.self, "SELECT DISTINCT model FROM forecasts WHERE run_id = ? ORDER BY model", [run.id]) }
        guard !models.isEmpty else { return }
        page.heading("Forecast")
        let priceModels = try store.read {
            try $0.values(String.self, "SELECT DISTINCT model FROM forecasts WHERE run_id = ? \(targets ? "AND target = 'price'" : "") ORDER BY model", [run.id])
        }
        if !priceModels.isEmpty {
            let key = try store.keyMetric(runID: run.id).map { RunPage.modelAndMetric($0.name).model }
            let model = key.flatMap { priceModels.contains($0) ? $0 : nil } ?? priceModels[0]
            page.markup(try chart(store, runID: run.id, model: model, baseline: priceModels.contains("naive") && model != "naive" ? "naive" : nil))
            page.table(try maseTable(store, runID: run.id))
        }
        let extra = targets ? ["target", "quantile"] : []
        page.markup(PipelineViews.choice(request, name: "model", label: "forecasts of", options: [("", "every model")] + models.map { ($0, $0) },
                                         anchor: "forecasts"))
        let filterModel = request.value("model")
        page.table(try PipelineViews.pagedTable(
            store, request, id: "forecasts", title: "Forecasts",
            columns: ["ticker"] + extra + ["origin", "date", "horizon", "model", "actual", "predicted", "lower", "upper"],
            sql: """
                SELECT \((["ticker"] + extra).joined(separator: ", ")), origin, date, horizon, model, actual, predicted, lower, upper FROM forecasts
                WHERE run_id = ?1 AND (?2 IS NULL OR model = ?2) ORDER BY origin, model, horizon
                """,
            countSQL: "SELECT count(*) FROM forecasts WHERE run_id = ?1 AND (?2 IS NULL OR model = ?2)",
            arguments: [run.id, filterModel], pageName: "forecasts_page") { $0.map { Cell(text($0)) } })
    }

    /// One-step-ahead forecasts over the test period and the forecasts past the last price (no actual yet), by date;
    /// of the first ticker of a `--global` run. Empty when the run made no price forecasts (a volatility or quantile run).
    static func chart(_ store: Store, runID: Int64, model: String, baseline: String?) throws -> String {
        let priceOnly = try PipelineViews.hasColumn(store, "forecasts", "target")
        let rows = try store.read { transaction in
            try transaction.table("""
                SELECT date, model, actual, predicted, lower, upper FROM forecasts
                WHERE run_id = ? AND model IN (?, ?) AND (horizon = 1 OR actual IS NULL) \(priceOnly ? "AND target = 'price'" : "")
                AND ticker = (SELECT min(ticker) FROM forecasts WHERE run_id = ?1) ORDER BY date, horizon
                """, [runID, model, baseline ?? model])
        }.rows
        guard !rows.isEmpty else { return "" }
        let dates = Array(Set(rows.map { text($0[0]) })).sorted()
        let index = Dictionary(uniqueKeysWithValues: dates.enumerated().map { ($1, Double($0)) })
        var actual: [(x: Double, y: Double)] = [], seen = Set<String>()
        var lines: [String: Charts.Series] = [:]
        for row in rows {
            let date = text(row[0]), name = text(row[1]), x = index[date]!
            guard let predicted = Double(sqlValue: row[3]) else { continue }
            if let value = Double(sqlValue: row[2]), seen.insert(date).inserted { actual.append((x, value)) }
            let future = row[2] == .null
            let label = future ? "\(name) (future)" : name
            if lines[label] == nil { lines[label] = Charts.Series(name: label, points: [], dashed: future) }
            lines[label]!.points.append((x, predicted))
            if name == model, let low = Double(sqlValue: row[4]), let high = Double(sqlValue: row[5]) { lines[label]!.band.append((x, low, high)) }
        }
        let order = [model, baseline, "\(model) (future)", baseline.map { "\($0) (future)" }].compactMap { $0 }
        let series = [Charts.Series(name: "actual", points: actual)] + order.compactMap { lines[$0] }
        return Charts.forecast(title: "Forecasts one step ahead, and the future, with \(model)'s interval", dates: dates, series: series)
    }

    /// MASE (and MAE) of every model at each horizon, from the run's `<model>.mase.h<k>` metrics.
    static func maseTable(_ store: Store, runID: Int64) throws -> Table {
        let rows = try store.read {
            try $0.table("SELECT name, value FROM metrics WHERE run_id = ? AND split = 'test' AND name LIKE '%.mase.h%' ORDER BY name", [runID])
        }.rows
        var models: [String] = [], values: [Int: [String: Double]] = [:]
        for row in rows {
            let parts = text(row[0]).components(separatedBy: ".mase.h")
            guard parts.count == 2, let horizon = Int(parts[1]) else { continue }
            if !models.contains(parts[0]) { models.append(parts[0]) }
            values[horizon, default: [:]][parts[0]] = Double(sqlValue: row[1])
        }
        return Table(id: "mase", title: "MASE per horizon (below 1: better than the naive in-sample forecast)", columns: ["horizon"] + models,
                     rows: values.keys.sorted().map { horizon in [Cell(String(horizon))] + models.map { Cell(formatted(values[horizon]?[$0])) } })
    }
}
