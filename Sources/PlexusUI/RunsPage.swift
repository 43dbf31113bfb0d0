import Foundation
import PlexusKit
import PlexusStore

/// `/`: every run in a table with filters (pipeline, status, dataset, a metric condition), sorting by any column,
/// paging, each run's epoch series summarised, and checkboxes to compare runs.
enum RunsPage {
    static func build(_ store: Store, _ request: PageRequest) throws -> Page {
        let filter = try filter(request)
        let sort = try request.value("sort").map { name in
            guard let column = RunBrowser.SortColumn(rawValue: name) else {
                throw BrowseError("sort: expected one of \(RunBrowser.SortColumn.allCases.map(\.rawValue).joined(separator: ", ")), found '\(name)'")
            }
            return column
        } ?? .id
        let ascending = request.value("dir") == "asc"
        let (limit, offset) = try request.paging()
        let (runs, total) = try RunBrowser.runs(store, filter: filter, sort: sort, ascending: ascending, limit: limit, offset: offset)
        let series = try RunBrowser.epochSeries(store, runIDs: runs.map(\.id))
        let baselines = try Self.baselines(store, runs)

        var page = Page(title: "Runs")
        page.refreshes = runs.contains { $0.status == RunStatus.running.rawValue }
        page.markup(try filterForm(store, request))
        var table = Table(id: "runs", title: "\(total) run\(total == 1 ? "" : "s")",
                          columns: ["compare", "id", "pipeline", "dataset", "status", "started (UTC)", "duration", "key metric", "value",
                                    "baselines", "epoch series: last · best (epoch) · min–max"])
        for (index, column) in [(1, "id"), (2, "pipeline"), (3, "dataset"), (4, "status"), (5, "started"), (6, "duration"), (8, "metric")] {
            // A click sorts descending, a second click on the same column ascending.
            let direction = sort.rawValue == column && !ascending ? "asc" : "desc"
            table.sortLinks[index] = request.link([("sort", column), ("dir", direction), ("page", nil)])
        }
        for run in runs {
            let summaries = (series[run.id] ?? [:]).sorted { $0.key < $1.key }.compactMap { RunBrowser.summary($0.key, $0.value) }
            table.rows.append([
                Cell("", markup: "<input type=\"checkbox\" name=\"run\" value=\"\(run.id)\" aria-label=\"compare run \(run.id)\">"),
                Cell(String(run.id), link: "/run/\(run.id)"),
                Cell(run.pipeline),
                Cell(run.dataset ?? "", link: run.datasetID.map { request.link([("dataset", String($0)), ("page", nil)]) }),
                Cell(run.status, markup: "<span class=\"status \(run.status.xmlEscaped)\">\(run.status.xmlEscaped)</span>"),
                Cell(String(run.startedAt.replacingOccurrences(of: "T", with: " ").prefix(19))),
                Cell(run.seconds.map(RunList.duration) ?? ""),
                Cell(run.keyMetric ?? ""),
                Cell(formatted(run.keyValue)),
                Cell(baselines[run.id] ?? ""),
                Cell(summaries.map(describe).joined(separator: "\n"), markup: summaryMarkup(summaries)),
            ])
        }
        table.footer = request.pagingFooter(total: total, shown: runs.count)
        page.markup("<form action=\"/compare\" method=\"get\">")
        page.table(table)
        page.markup("<button type=\"submit\">Compare selected runs</button></form>\n")
        return page
    }

    static func filter(_ request: PageRequest) throws -> RunBrowser.Filter {
        var filter = RunBrowser.Filter(pipeline: request.value("pipeline"), datasetID: try request.integer("dataset"))
        if let status = request.value("status") {
            guard let value = RunStatus(rawValue: status) else {
                throw BrowseError("status: expected one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")), found '\(status)'")
            }
            filter.status = value
        }
        filter.metric = try request.value("metric").map(RunBrowser.MetricCondition.init(parsing:))
        return filter
    }

    /// For each run, the key metric of the other models in the same split (`test/lstm.mase`: naive, drift…).
    static func baselines(_ store: Store, _ runs: [RunBrowser.RunSummary]) throws -> [Int64: String] {
        var result: [Int64: String] = [:]
        try store.read { transaction in
            for run in runs {
                guard let key = run.keyMetric, let slash = key.firstIndex(of: "/"), let dot = key.lastIndex(of: "."), dot > slash else { continue }
                let split = String(key[..<slash]), model = String(key[key.index(after: slash)..<dot]), metric = String(key[key.index(after: dot)...])
                let others = try transaction.table("""
                    SELECT substr(name, 1, length(name) - length(?3) - 1), value FROM metrics
                    WHERE run_id = ?1 AND split = ?2 AND substr(name, -length(?3) - 1) = '.' || ?3 AND name != ?4 AND instr(substr(name, 1, length(name) - length(?3) - 1), '.') = 0
                    ORDER BY name
                    """, [run.id, split, metric, model + "." + metric])
                result[run.id] = others.rows.map { row in "\(text(row[0])) \(formatted(Double(sqlValue: row[1])))" }.joined(separator: " · ")
            }
        }
        return result
    }

    static func describe(_ summary: RunBrowser.EpochSummary) -> String {
        "\(summary.name): \(formatted(summary.last)) · \(formatted(summary.best)) (\(summary.bestEpoch)) · \(formatted(summary.min))–\(formatted(summary.max))"
    }

    /// The losses on view, every series on click.
    static func summaryMarkup(_ summaries: [RunBrowser.EpochSummary]) -> String {
        guard !summaries.isEmpty else { return "" }
        let shown = summaries.filter { $0.name.hasSuffix("loss") && $0.name != "learning_rate" }
        let lines = { (list: [RunBrowser.EpochSummary]) in list.map { describe($0).xmlEscaped }.joined(separator: "<br>") }
        return lines(shown) + "<details><summary>all \(summaries.count)</summary>\(lines(summaries))</details>"
    }

    static func filterForm(_ store: Store, _ request: PageRequest) throws -> String {
        let (pipelines, datasets) = try store.read { transaction in
            (try transaction.values(String.self, "SELECT DISTINCT pipeline FROM runs ORDER BY pipeline"),
             try transaction.table("SELECT id, name FROM datasets ORDER BY id"))
        }
        func select(_ name: String, _ options: [(value: String, label: String)]) -> String {
            let current = request.value(name)
            return "<label>\(name) <select name=\"\(name)\"><option value=\"\">all</option>"
                + options.map { "<option value=\"\($0.value.xmlEscaped)\"\($0.value == current ? " selected" : "")>\($0.label.xmlEscaped)</option>" }.joined()
                + "</select></label>"
        }
        let datasetOptions = datasets.rows.map { (value: text($0[0]), label: "#\(text($0[0])) \(RunList.shortened(text($0[1]), to: 48))") }
        return "<form class=\"filters\" method=\"get\" action=\"/\">"
            + select("pipeline", pipelines.map { ($0, $0) }) + select("status", RunStatus.allCases.map { ($0.rawValue, $0.rawValue) })
            + select("dataset", datasetOptions)
            + "<label>metric <input name=\"metric\" placeholder=\"accuracy >= 0.9\" value=\"\((request.value("metric") ?? "").xmlEscaped)\"></label>"
            + "<input type=\"hidden\" name=\"sort\" value=\"\((request.value("sort") ?? "id").xmlEscaped)\">"
            + "<button type=\"submit\">Filter</button> <a href=\"/\">clear</a></form>\n"
    }
}

/// A stored value as text: numbers formatted, NULL empty, blobs by size.
func text(_ value: SQLValue) -> String {
    switch value {
    case .null: ""
    case .integer(let number): String(number)
    case .real(let number): formatted(number)
    case .text(let string): string
    case .blob(let bytes): "\(bytes.count) bytes"
    }
}
