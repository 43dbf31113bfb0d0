import Foundation
import PlexusKit
import PlexusStore

/// The part of a run page that only one pipeline has, read from that pipeline's own tables. A database where the
/// pipeline never ran has none of its tables, and the view is left out.
enum PipelineViews {
    static func add(_ store: Store, _ request: PageRequest, run: RunRecord, to page: inout Page) throws {
        switch run.pipeline {
        case "classify", "classify-predict", "classify-evaluate":
            if try hasTables(store, "predictions", "confusion") { try ClassifyView.add(store, request, run: run, to: &page) }
        case "forecast":
            if try hasTables(store, "forecasts") { try ForecastView.add(store, request, run: run, to: &page) }
        case "cluster", "cluster-assign":
            if try hasTables(store, "segments", "segment_profiles") { try ClusterView.add(store, request, run: run, to: &page) }
        case "anomaly", "anomaly-score":
            if try hasTables(store, "anomaly_scores") { try AnomalyView.add(store, request, run: run, to: &page) }
        default:
            break
        }
    }

    static func hasTables(_ store: Store, _ names: String...) throws -> Bool {
        try store.read { transaction in
            try names.allSatisfy { name in
                try transaction.value(Int.self, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [name]) == 1
            }
        }
    }

    /// Whether `table` has `column`: a database last written by an older Plexus lacks the columns later migrations
    /// add, and the browser opens it read-only, as it is.
    static func hasColumn(_ store: Store, _ table: String, _ column: String) throws -> Bool {
        try store.read { try $0.value(Int.self, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?", [table, column]) == 1 }
    }

    /// A paged query's rows as a table with a paging footer; `cells` turns a row into cells (links, thumbnails).
    static func pagedTable(_ store: Store, _ request: PageRequest, id: String, title: String, columns: [String], sql: String,
                           countSQL: String, arguments: SQLArguments, countArguments: SQLArguments? = nil, pageName: String, cells: ([SQLValue]) -> [Cell]) throws -> Table {
        let (limit, offset) = try request.paging(name: pageName)
        let (rows, total) = try store.read { transaction in
            (try transaction.table(sql + " LIMIT ? OFFSET ?", arguments + [limit ?? -1, offset]).rows,
             try transaction.value(Int.self, countSQL, countArguments ?? arguments) ?? 0)
        }
        var table = Table(id: id, title: title, columns: columns, rows: rows.map(cells))
        table.footer = request.pagingFooter(total: total, shown: rows.count, name: pageName)
        return table
    }

    /// A select box that reloads the page with `name` set (a filter), keeping the other parameters.
    static func choice(_ request: PageRequest, name: String, label: String, options: [(value: String, label: String)], anchor: String) -> String {
        let current = request.value(name)
        let hidden = request.parameters.filter { $0.name != name && !$0.name.hasSuffix("page") && $0.name != "csv" }
            .map { "<input type=\"hidden\" name=\"\($0.name.xmlEscaped)\" value=\"\($0.value.xmlEscaped)\">" }.joined()
        return "<form class=\"filters\" method=\"get\" action=\"#\(anchor.xmlEscaped)\">\(hidden)<label>\(label.xmlEscaped) <select name=\"\(name.xmlEscaped)\">"
            + options.map { "<option value=\"\($0.value.xmlEscaped)\"\($0.value == (current ?? "") ? " selected" : "")>\($0.label.xmlEscaped)</option>" }.joined()
            + "</select></label><button type=\"submit\">Show</button></form>\n"
    }
}
