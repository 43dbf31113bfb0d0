import Foundation
import PlexusKit
import PlexusStore

/// `/compare?run=3&run=7`: 2 to 10 runs side by side: the parameter diff (with an "only differences" switch), each
/// run's confusion matrix or forecast chart next to the others, epoch curves overlaid, and final metrics.
enum ComparePage {
    static func build(_ store: Store, _ request: PageRequest) throws -> Page {
        var ids: [Int64] = []
        for value in request.values("run") {
            guard let id = Int64(value) else { throw BrowseError("run: expected a run id, found '\(value)'") }
            if !ids.contains(id) { ids.append(id) }
        }
        guard (2...10).contains(ids.count) else { throw BrowseError("compare: expected 2 to 10 different runs (run=ID&run=ID…), found \(ids.count)") }
        let runs = try ids.map { id in
            guard let run = try store.run(id: id) else { throw NotFound("no run \(id) in \(store.path)") }
            return run
        }
        var page = Page(title: "Compare runs " + ids.map(String.init).joined(separator: ", "))
        page.refreshes = runs.contains { $0.status == .running }
        let columns = runs.map { "run \($0.id) (\($0.pipeline))" }
        let onlyDifferences = request.value("diff") == "1"
        let hidden = ids.map { "<input type=\"hidden\" name=\"run\" value=\"\($0)\">" }.joined()
        page.markup("<form class=\"filters\" method=\"get\" action=\"/compare\">\(hidden)<label><input type=\"checkbox\" name=\"diff\" value=\"1\"\(onlyDifferences ? " checked" : "")> only differences</label><button type=\"submit\">Apply</button></form>\n")
        page.table(parameters(try runs.map { try settings($0, store) }, columns: columns, onlyDifferences: onlyDifferences))

        try sideBySide(store, runs, into: &page)

        let series = try RunBrowser.epochSeries(store, runIDs: ids)
        let names = Set(series.values.flatMap(\.keys)).sorted { ($0.hasSuffix("loss") ? 0 : 1, $0) < ($1.hasSuffix("loss") ? 0 : 1, $1) }
        if !names.isEmpty {
            page.heading("Epoch curves")
            let charts = names.map { name in
                Charts.curves(title: "\(name) per epoch", xTitle: "epoch", yTitle: name, series: ids.compactMap { id in
                    series[id]?[name].map { Charts.Series(name: "run \(id)", points: $0.map { (Double($0.epoch), $0.value) }) }
                })
            }
            page.markup("<div class=\"charts\">" + charts.joined() + "</div>\n")
        }
        page.table(try metrics(store, ids: ids, columns: columns))
        return page
    }

    /// What tells runs apart: the record's own fields and every setting of the configuration, flattened to dotted
    /// paths (`training.learning_rate`).
    static func settings(_ run: RunRecord, _ store: Store) throws -> [String: String] {
        var values = ["pipeline": run.pipeline, "seed": String(run.seed), "status": run.status.rawValue,
                      "dataset": try run.datasetID.flatMap { try store.datasetName(id: $0) } ?? ""]
        if let config = try? JSONSerialization.jsonObject(with: Data(run.config.utf8)) { flatten(config, prefix: "config", into: &values) }
        return values
    }

    static func flatten(_ value: Any, prefix: String, into values: inout [String: String]) {
        if let object = value as? [String: Any] {
            for (key, inner) in object { flatten(inner, prefix: prefix + "." + key, into: &values) }
        } else if let array = value as? [Any], let data = try? JSONSerialization.data(withJSONObject: array, options: [.sortedKeys]) {
            values[prefix] = String(decoding: data, as: UTF8.self)
        } else if let number = value as? NSNumber, !(value is Bool) {
            values[prefix] = formatted(number.doubleValue)
        } else {
            values[prefix] = "\(value)"
        }
    }

    /// One row per setting; rows where the runs differ are marked, and with `onlyDifferences` the others left out.
    static func parameters(_ settings: [[String: String]], columns: [String], onlyDifferences: Bool) -> Table {
        var table = Table(id: "parameters", title: onlyDifferences ? "Parameters that differ" : "Parameters", columns: ["parameter"] + columns)
        for key in Set(settings.flatMap(\.keys)).sorted() {
            let values = settings.map { $0[key] ?? "" }
            let differs = Set(values).count > 1
            if onlyDifferences && !differs { continue }
            let style = differs ? "background:#fff3cd" : nil
            table.rows.append([Cell(key, style: style)] + values.map { value in
                Cell(value, markup: value.count > 200 ? "<details><summary>\(value.count) characters</summary><pre>\(value.xmlEscaped)</pre></details>" : nil, style: style)
            })
        }
        return table
    }

    static func metrics(_ store: Store, ids: [Int64], columns: [String]) throws -> Table {
        var values: [String: [Int64: Double]] = [:]
        for id in ids {
            let rows = try store.read { try $0.table("SELECT split || '/' || name, value FROM metrics WHERE run_id = ?", [id]) }.rows
            for row in rows { values[text(row[0]), default: [:]][id] = Double(sqlValue: row[1]) }
        }
        return Table(id: "metrics", title: "Final metrics", columns: ["metric"] + columns, rows: values.keys.sorted().map { name in
            [Cell(name)] + ids.map { Cell(formatted(values[name]?[$0])) }
        })
    }

    /// Each run's confusion matrix (classify) or forecast chart (forecast), next to each other.
    static func sideBySide(_ store: Store, _ runs: [RunRecord], into page: inout Page) throws {
        var panels: [String] = []
        for run in runs {
            if run.pipeline.hasPrefix("classify"), try PipelineViews.hasTables(store, "confusion") {
                let counts = try store.read { try $0.table("SELECT actual, predicted, count FROM confusion WHERE run_id = ?", [run.id]) }.rows
                    .map { (actual: text($0[0]), predicted: text($0[1]), count: Int(sqlValue: $0[2]) ?? 0) }
                if !counts.isEmpty { panels.append("<div class=\"panel\"><h3>Run \(run.id)</h3>\(ClassifyView.matrix(counts, runID: run.id))</div>") }
            } else if run.pipeline == "forecast", try PipelineViews.hasTables(store, "forecasts") {
                let model = try store.keyMetric(runID: run.id).map { RunPage.modelAndMetric($0.name).model } ?? "naive"
                panels.append("<div class=\"panel\"><h3>Run \(run.id)</h3>\(try ForecastView.chart(store, runID: run.id, model: model, baseline: model == "naive" ? nil : "naive"))</div>")
            }
        }
        guard !panels.isEmpty else { return }
        page.heading("Side by side")
        page.markup("<div class=\"side-by-side\">" + panels.joined() + "</div>\n")
    }
}
