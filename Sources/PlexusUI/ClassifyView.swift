import Foundation
import PlexusKit
import PlexusStore

/// classify: the confusion matrix, whose cells link to thumbnails of those images, per-class metrics, and the
/// predictions with a filter for wrong or unsure ones.
enum ClassifyView {
    static func add(_ store: Store, _ request: PageRequest, run: RunRecord, to page: inout Page) throws {
        let counts = try store.read { try $0.table("SELECT actual, predicted, count FROM confusion WHERE run_id = ?", [run.id]) }.rows
            .map { (actual: text($0[0]), predicted: text($0[1]), count: Int(sqlValue: $0[2]) ?? 0) }
        if !counts.isEmpty {
            page.heading("Confusion matrix")
            page.markup(matrix(counts, runID: run.id))
            page.table(perClass(counts))
        }
        if let actual = request.value("actual"), let predicted = request.value("predicted") {
            try cellImages(store, run: run, actual: actual, predicted: predicted, into: &page)
        }
        page.markup(PipelineViews.choice(request, name: "show", label: "predictions", options: [
            ("", "all"), ("wrong", "wrong only"), ("unsure", "confidence below 0.6, least confident first")], anchor: "predictions"))
        let show = request.value("show")
        guard show == nil || show == "wrong" || show == "unsure" else { throw BrowseError("show: expected wrong or unsure, found '\(show!)'") }
        let condition = show == "wrong" ? "AND p.label IS NOT NULL AND p.label != p.predicted" : show == "unsure" ? "AND p.confidence < 0.6" : ""
        let order = show == "unsure" ? "p.confidence, p.path" : "p.path"
        page.table(try PipelineViews.pagedTable(
            store, request, id: "predictions", title: "Predictions", columns: ["image", "path", "label", "predicted", "confidence", "top k"],
            sql: """
                SELECT i.rowid, p.path, p.label, p.predicted, p.confidence, p.top_k FROM predictions p
                LEFT JOIN images i ON i.dataset_id = ?2 AND i.path = p.path WHERE p.run_id = ?1 \(condition) ORDER BY \(order)
                """,
            countSQL: "SELECT count(*) FROM predictions p WHERE p.run_id = ? \(condition)",
            arguments: [run.id, run.datasetID], countArguments: [run.id], pageName: "predictions_page") { row in
                [thumbnail(row[0], alt: text(row[1])), Cell(text(row[1])), Cell(text(row[2])), Cell(text(row[3])), Cell(text(row[4])), Cell(text(row[5]))]
            })
    }

    /// An image from the `images` table by its id, as a thumbnail (its id is the CSV text).
    static func thumbnail(_ id: SQLValue, alt: String) -> Cell {
        guard id != .null else { return Cell("") }
        return Cell(text(id), markup: "<img class=\"thumb\" src=\"/image/\(text(id))\" alt=\"\(alt.xmlEscaped)\">")
    }

    static func classes(_ counts: [(actual: String, predicted: String, count: Int)]) -> [String] {
        Array(Set(counts.flatMap { [$0.actual, $0.predicted] })).sorted()
    }

    /// Rows are actual classes, columns predicted ones; a cell's shade is its share of the row, and it links to the
    /// images it counts.
    static func matrix(_ counts: [(actual: String, predicted: String, count: Int)], runID: Int64) -> String {
        let classes = classes(counts)
        var cells: [String: Int] = [:], rowTotals: [String: Int] = [:]
        for entry in counts {
            cells["\(entry.actual)\t\(entry.predicted)"] = entry.count
            rowTotals[entry.actual, default: 0] += entry.count
        }
        var html = "<table class=\"matrix\"><caption>rows: actual class · columns: predicted class · click a count for its images</caption><thead><tr><th></th>"
        html += classes.map { "<th>\($0.xmlEscaped)</th>" }.joined() + "</tr></thead><tbody>\n"
        for actual in classes {
            html += "<tr><th>\(actual.xmlEscaped)</th>"
            for predicted in classes {
                let count = cells["\(actual)\t\(predicted)"] ?? 0
                let (background, foreground) = Charts.heat(Double(count) / Double(max(1, rowTotals[actual] ?? 0)))
                let link = "/run/\(runID)" + query([("actual", actual), ("predicted", predicted)]) + "#cell-images"
                let content = count == 0 ? "0" : "<a class=\"cell\" href=\"\(link.xmlEscaped)\" style=\"color:\(foreground)\">\(count)</a>"
                html += "<td style=\"background:\(background);color:\(foreground)\" title=\"\(("actual \(actual), predicted \(predicted): \(count)").xmlEscaped)\">\(content)</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// Precision, recall and F1 of each class, from the confusion counts.
    static func perClass(_ counts: [(actual: String, predicted: String, count: Int)]) -> Table {
        var table = Table(id: "per-class", title: "Per-class metrics", columns: ["class", "precision", "recall", "f1", "support"])
        for name in classes(counts) {
            let hit = Double(counts.filter { $0.actual == name && $0.predicted == name }.map(\.count).reduce(0, +))
            let predicted = Double(counts.filter { $0.predicted == name }.map(\.count).reduce(0, +))
            let support = counts.filter { $0.actual == name }.map(\.count).reduce(0, +)
            let precision = predicted > 0 ? hit / predicted : 0, recall = support > 0 ? hit / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            table.rows.append([Cell(name), Cell(String(format: "%.3f", precision)), Cell(String(format: "%.3f", recall)),
                               Cell(String(format: "%.3f", f1)), Cell(String(support))])
        }
        return table
    }

    /// The images of one confusion-matrix cell, as thumbnails.
    static func cellImages(_ store: Store, run: RunRecord, actual: String, predicted: String, into page: inout Page) throws {
        let rows = try store.read { transaction in
            try transaction.table("""
                SELECT i.rowid, p.path, p.confidence FROM predictions p JOIN images i ON i.dataset_id = ? AND i.path = p.path
                WHERE p.run_id = ? AND p.label = ? AND p.predicted = ? ORDER BY p.confidence DESC, p.path LIMIT 200
                """, [run.datasetID, run.id, actual, predicted])
        }.rows
        var html = "<section id=\"cell-images\"><h2>Actual \(actual.xmlEscaped), predicted \(predicted.xmlEscaped): \(rows.count) image\(rows.count == 1 ? "" : "s")\(rows.count == 200 ? " (the 200 most confident)" : "")</h2><div class=\"thumbs\">"
        for row in rows {
            html += "<figure><img class=\"thumb\" src=\"/image/\(text(row[0]))\" alt=\"\(text(row[1]).xmlEscaped)\" title=\"\(text(row[1]).xmlEscaped)\">"
            html += "<figcaption>\(text(row[2]).xmlEscaped)</figcaption></figure>"
        }
        page.markup(html + "</div></section>\n")
    }
}
