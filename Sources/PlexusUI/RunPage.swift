import Foundation
import PlexusKit
import PlexusStore

/// `/run/<id>`: one run: its record, dataset lineage, configuration with the pipeline YAML, epoch curves with a
/// smoothing control, final metrics with model and baselines side by side, models with their summaries, every
/// artifact, and the pipeline's own view.
enum RunPage {
    static func build(_ store: Store, _ request: PageRequest, runID: Int64) throws -> Page {
        guard let run = try store.run(id: runID) else { throw NotFound("no run \(runID) in \(store.path)") }
        var page = Page(title: "Run \(run.id): \(run.pipeline)")
        page.refreshes = run.status == .running
        page.table(Table(id: "run", title: "Run", columns: ["field", "value"], rows: [
            ["status", run.status.rawValue + (run.status == .running ? " (live: this page refreshes)" : "")],
            ["error", run.error ?? ""], ["started (UTC)", run.startedAt.formatted(.iso8601)],
            ["finished (UTC)", run.finishedAt?.formatted(.iso8601) ?? ""], ["duration", RunList.duration(run.duration)],
            ["seed", String(run.seed)], ["host", run.host ?? ""], ["pid", run.pid.map(String.init) ?? ""],
        ].map { [Cell($0[0]), Cell($0[1])] }))
        if let datasetID = run.datasetID {
            page.table(Table(id: "dataset", title: "Dataset (lineage)",
                             columns: ["id", "name", "kind", "source", "sha256", "items", "registered (UTC)"],
                             rows: try store.read { try $0.table("SELECT id, name, kind, source, sha256, items, created_at FROM datasets WHERE id = ?", [datasetID]) }
                                .rows.map { $0.map { Cell(text($0)) } }))
        }
        page.markup(configuration(run.config))
        for table in try metricTables(store, runID: runID) { page.table(table) }
        try PipelineViews.add(store, request, run: run, to: &page)
        try epochs(store, request, runID: runID, into: &page)
        try models(store, runID: runID, into: &page)
        page.table(try artifacts(store, runID: runID))
        return page
    }

    /// The configuration as indented JSON, and the pipeline file it used as YAML.
    static func configuration(_ json: String) -> String {
        var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        let yaml = object.removeValue(forKey: "pipeline_yaml") as? String
        let pretty = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? json
        var html = "<h2>Configuration</h2>\n<details><summary>\(object.count) settings</summary><pre class=\"config\">\(pretty.xmlEscaped)</pre></details>\n"
        if let yaml {
            html += "<details><summary>Pipeline file \((object["pipeline_file"] as? String ?? "").xmlEscaped)</summary><pre class=\"yaml\">\(yaml.xmlEscaped)</pre></details>\n"
        }
        return html
    }

    /// The smoothing weights the control offers.
    static let smoothings = ["0", "0.6", "0.9", "0.99"]

    /// Curves of the losses, each metric and the learning rate, smoothed as asked, and the epochs table (paged).
    static func epochs(_ store: Store, _ request: PageRequest, runID: Int64, into page: inout Page) throws {
        let series = try RunBrowser.epochSeries(store, runIDs: [runID])[runID] ?? [:]
        guard !series.isEmpty else { return }
        let weight = try smoothing(request)
        page.heading("Epochs")
        page.markup("<form class=\"smoothing\" method=\"get\"><label>smoothing <select name=\"smooth\">"
                    + smoothings.map { "<option\(Double($0) == weight ? " selected" : "")>\($0)</option>" }.joined()
                    + "</select></label><button type=\"submit\">Apply</button></form>\n")
        let line = { (name: String) -> Charts.Series? in
            series[name].map { points in
                let values = Downsampling.smoothed(points.map(\.value), weight: name == "learning_rate" ? 0 : weight)
                return Charts.Series(name: name, points: zip(points, values).map { (Double($0.epoch), $1) })
            }
        }
        var charts = [Charts.curves(title: "Loss per epoch", xTitle: "epoch", yTitle: "loss",
                                    series: ["train_loss", "val_loss"].compactMap(line))]
        for name in series.keys.sorted() where !["train_loss", "val_loss", "learning_rate"].contains(name) {
            charts.append(Charts.curves(title: "\(name) per epoch", xTitle: "epoch", yTitle: name, series: [line(name)!]))
        }
        charts.append(Charts.curves(title: "Learning rate per epoch", xTitle: "epoch", yTitle: "learning rate", series: [line("learning_rate")!]))
        page.markup("<div class=\"charts\">" + charts.joined() + "</div>\n")

        let (limit, offset) = try request.paging(pageSize: 100, name: "epochs_page")
        let (rows, total) = try store.read { transaction in
            (try transaction.table("""
                SELECT epoch, train_loss, val_loss, metrics, seconds, learning_rate FROM epochs WHERE run_id = ? ORDER BY epoch LIMIT ? OFFSET ?
                """, [runID, limit ?? -1, offset]),
             try transaction.value(Int.self, "SELECT count(*) FROM epochs WHERE run_id = ?", [runID]) ?? 0)
        }
        var table = Table(id: "epochs", title: "Epochs", columns: rows.columns, rows: rows.rows.map { $0.map { Cell(text($0)) } })
        table.footer = request.pagingFooter(total: total, shown: rows.rows.count, pageSize: 100, name: "epochs_page")
        page.table(table)
    }

    static func smoothing(_ request: PageRequest) throws -> Double {
        guard let text = request.value("smooth") else { return 0 }
        guard let weight = Double(text), weight >= 0, weight < 1 else { throw BrowseError("smooth: expected a number from 0 up to (not including) 1, found '\(text)'") }
        return weight
    }

    /// Final metrics, one table per split: a row per metric, a column per model, so a model and its baselines sit
    /// side by side. The models are the prefixes that carry the key metric (`lstm`, `naive`… of `test/lstm.mase`),
    /// the key metric's first; other names (`accuracy`, `Shirt.f1`, `users`) go in the column "run".
    static func metricTables(_ store: Store, runID: Int64) throws -> [Table] {
        let rows = try store.read { try $0.table("SELECT split, name, value FROM metrics WHERE run_id = ? ORDER BY split, name", [runID]) }.rows
        let key = try store.keyMetric(runID: runID).map { modelAndMetric($0.name) }
        let models = Set(rows.map { text($0[1]) }.compactMap { name -> String? in
            guard let key, name.hasSuffix("." + key.metric) else { return nil }
            let model = String(name.dropLast(key.metric.count + 1))
            return model.contains(".") ? nil : model
        })
        var bySplit: [(split: String, values: [(model: String, metric: String, value: Double)])] = []
        for row in rows {
            let split = text(row[0]), name = text(row[1]), value = Double(sqlValue: row[2]) ?? .nan
            let prefix = models.first { name.hasPrefix($0 + ".") }
            let (model, metric) = prefix.map { ($0, String(name.dropFirst($0.count + 1))) } ?? ("", name)
            if bySplit.last?.split != split { bySplit.append((split, [])) }
            bySplit[bySplit.count - 1].values.append((model, metric, value))
        }
        return bySplit.map { split, values in
            let columns = Array(Set(values.map(\.model))).sorted { a, b in
                (a == key?.model ? 0 : a.isEmpty ? 2 : 1, a) < (b == key?.model ? 0 : b.isEmpty ? 2 : 1, b)
            }
            var metrics: [String] = []
            for value in values where !metrics.contains(value.metric) { metrics.append(value.metric) }
            let lookup = Dictionary(values.map { ("\($0.model)\t\($0.metric)", $0.value) }, uniquingKeysWith: { a, _ in a })
            var table = Table(id: "metrics-\(split)", title: "Final metrics: \(split)", columns: ["metric"] + columns.map { $0.isEmpty ? "run" : $0 },
                              rows: metrics.map { metric in [Cell(metric)] + columns.map { Cell(formatted(lookup["\($0)\t\(metric)"])) } })
            table.folded = table.rows.count > 20
            return table
        }
    }

    /// `lstm.mase` → (`lstm`, `mase`); `accuracy` → (``, `accuracy`): a key metric's model and metric.
    static func modelAndMetric(_ name: String) -> (model: String, metric: String) {
        guard let dot = name.firstIndex(of: ".") else { return ("", name) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// Each model with its size and parameter count, its layer-by-layer summary rebuilt from its card, and the card.
    static func models(_ store: Store, runID: Int64, into page: inout Page) throws {
        let rows = try store.read { try $0.table("SELECT name, format, length(bytes), card FROM models WHERE run_id = ? ORDER BY name", [runID]) }.rows
        guard !rows.isEmpty else { return }
        var table = Table(id: "models", title: "Models", columns: ["name", "format", "bytes", "architecture", "parameters"])
        var cards: [(name: String, json: String, card: ModelCard?)] = []
        for row in rows {
            let name = text(row[0]), json = text(row[3])
            let card = try? ModelCard.decode(json, source: "model '\(name)' of run \(runID)")
            table.rows.append([Cell(name), Cell(text(row[1])), Cell(text(row[2])), Cell(card?.name ?? ""), Cell(card.map { String($0.parameters) } ?? "")])
            cards.append((name, json, card))
        }
        page.table(table)
        for (name, json, card) in cards {
            if let layers = card.flatMap({ layers($0, name: name) }) { page.table(layers) }
            if !json.isEmpty { page.markup("<details><summary>Model card of \(name.xmlEscaped)</summary><pre>\(json.xmlEscaped)</pre></details>\n") }
        }
    }

    /// The layers of the model a card describes, with their parameter counts. The model is built from the card but
    /// not run, so no output shapes: a forward pass belongs to the command-line tools (`plexus summary`), not to a
    /// server thread.
    static func layers(_ card: ModelCard, name: String) -> Table? {
        guard let built = try? ModelBuilder.build(card.architecture, file: "model card", seed: 0) else { return nil }
        var table = Table(id: "layers-\(name)", title: "Layers of \(name) (input \(card.architecture.input.map(String.init).joined(separator: "×")))",
                          columns: ["layer", "type", "parameters"])
        for (index, layer) in built.model.layers.enumerated() {
            table.rows.append([Cell(String(index)), Cell(layer.summaryName), Cell(String(layer.parameterCount))])
        }
        table.rows.append([Cell("total"), Cell(""), Cell(String(built.model.parameterCount))])
        return table
    }

    /// Every artifact by its database id: pictures inline, other files as downloads; a file too large to be kept in
    /// the database is named with its path on the machine that ran it, not served.
    static func artifacts(_ store: Store, runID: Int64) throws -> Table {
        let rows = try store.read {
            try $0.table("SELECT rowid, name, kind, media_type, length(bytes), path FROM artifacts WHERE run_id = ? ORDER BY kind, name", [runID])
        }.rows
        var table = Table(id: "artifacts", title: "Artifacts", columns: ["name", "kind", "type", "bytes", "shown"])
        for row in rows {
            let id = text(row[0]), name = text(row[1]), type = text(row[3])
            let stored = row[4] != .null
            let link = "/artifact/\(id)"
            let shown = !stored ? Cell("on disk only: \(text(row[5]))")
                : type.hasPrefix("image/") ? Cell(name, link: link, markup: "<img class=\"artifact\" src=\"\(link)\" alt=\"\(name.xmlEscaped)\" loading=\"lazy\">")
                : Cell("download", link: link)
            table.rows.append([Cell(name, link: stored ? link : nil), Cell(text(row[2])), Cell(type), Cell(text(row[4])), shown])
        }
        return table
    }
}
