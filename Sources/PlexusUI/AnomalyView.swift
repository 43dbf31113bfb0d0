import AnomalyPipeline
import Foundation
import PlexusKit
import PlexusStore

/// anomaly: the threshold rule of each method, the ROC where the scans are labelled, and the scans by score, each
/// with its heat map.
enum AnomalyView {
    static func add(_ store: Store, _ request: PageRequest, run: RunRecord, to page: inout Page) throws {
        page.heading("Anomaly scores")
        page.table(thresholds(store, run: run))
        let scores = try store.read {
            try $0.table("SELECT method, score, label FROM anomaly_scores WHERE run_id = ? AND label IS NOT NULL ORDER BY method, path", [run.id])
        }.rows
        let curves = Dictionary(grouping: scores, by: { text($0[0]) }).sorted { $0.key < $1.key }.compactMap { method, rows in
            let labels = rows.map { text($0[2]) == "abnormal" }
            guard labels.contains(true), labels.contains(false) else { return nil as (name: String, points: [(falsePositiveRate: Double, truePositiveRate: Double)])? }
            let values = rows.map { Double(sqlValue: $0[1]) ?? 0 }
            let auroc = DetectionMetrics.auroc(values, labels).map { String(format: " (AUROC %.3f)", $0) } ?? ""
            return (method + auroc, DetectionMetrics.rocCurve(values, labels))
        }
        if !curves.isEmpty { page.markup(Charts.roc(title: "ROC of the labelled scans", curves: curves)) }
        let methods = try store.read { try $0.values(String.self, "SELECT DISTINCT method FROM anomaly_scores WHERE run_id = ? ORDER BY method", [run.id]) }
        page.markup(PipelineViews.choice(request, name: "method", label: "scores of", options: [("", "every method")] + methods.map { ($0, $0) },
                                         anchor: "scores"))
        page.table(try PipelineViews.pagedTable(
            store, request, id: "scores", title: "Scans by score, highest first",
            columns: ["heat map", "path", "method", "score", "calibrated", "threshold", "flagged", "label"],
            sql: """
                SELECT rowid, path, method, score, calibrated, threshold, is_anomaly, label FROM anomaly_scores
                WHERE run_id = ?1 AND (?2 IS NULL OR method = ?2) ORDER BY score DESC, path
                """,
            countSQL: "SELECT count(*) FROM anomaly_scores WHERE run_id = ?1 AND (?2 IS NULL OR method = ?2)",
            arguments: [run.id, request.value("method")], pageName: "scores_page") { row in
                let heatmap = Cell(text(row[0]), markup: "<img class=\"heatmap\" src=\"/heatmap/\(text(row[0]))\" alt=\"\(("heat map of " + text(row[1])).xmlEscaped)\">")
                return [heatmap] + row.dropFirst().enumerated().map { index, value in
                    Cell(index == 5 ? (Int(sqlValue: value) == 1 ? "yes" : "no") : text(value))
                }
            })
    }

    /// The thresholds each method flags with and the rule that chose them: the run's config (a scoring run), else
    /// its model card (a training run).
    static func thresholds(_ store: Store, run: RunRecord) -> Table {
        let config = (try? JSONSerialization.jsonObject(with: Data(run.config.utf8))) as? [String: Any]
        var thresholds = config?["thresholds"] as? [String: Any]
        if thresholds == nil, let card = try? store.loadModel(runID: run.id, name: "model").card,
           let object = (try? JSONSerialization.jsonObject(with: Data(card.utf8))) as? [String: Any] {
            thresholds = (object["preprocessing"] as? [String: Any])?["thresholds"] as? [String: Any]
        }
        let methods = (thresholds ?? [:]).keys.sorted()
        let fields = Array(Set(methods.flatMap { ((thresholds?[$0] as? [String: Any]) ?? [:]).keys })).sorted { a, b in
            (a == "rule" ? 1 : 0, a) < (b == "rule" ? 1 : 0, b)
        }
        return Table(id: "thresholds", title: "Threshold rule", columns: ["method"] + fields, rows: methods.map { method in
            let values = thresholds?[method] as? [String: Any] ?? [:]
            return [Cell(method)] + fields.map { field in Cell(values[field].map { ($0 as? Double).map(formatted) ?? "\($0)" } ?? "") }
        })
    }
}
