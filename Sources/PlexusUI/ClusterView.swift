import Foundation
import PlexusKit
import PlexusStore

/// cluster: the segments with their sizes, revenue shares and profiles, the k-selection scores, and the users of
/// each segment.
enum ClusterView {
    static func add(_ store: Store, _ request: PageRequest, run: RunRecord, to page: inout Page) throws {
        let profiles = try store.read {
            try $0.table("SELECT segment, name, users, revenue_share, profile FROM segment_profiles WHERE run_id = ? ORDER BY segment", [run.id])
        }.rows
        page.heading("Segments")
        var features: [String] = []
        let medians = profiles.map { row -> [String: Any] in
            let profile = (try? JSONSerialization.jsonObject(with: Data(text(row[4]).utf8))) as? [String: Any]
            let median = profile?["median"] as? [String: Any] ?? [:]
            for key in median.keys.sorted() where !features.contains(key) { features.append(key) }
            return median
        }
        page.table(Table(id: "segments", title: "Segment profiles (medians)",
                         columns: ["segment", "name", "users", "revenue share"] + features,
                         rows: zip(profiles, medians).map { row, median in
                             [Cell(text(row[0]), link: "/run/\(run.id)" + query([("segment", text(row[0]))]) + "#users"), Cell(text(row[1])),
                              Cell(text(row[2])), Cell(text(row[3]))] + features.map { Cell(median[$0].map { "\($0)" } ?? "") }
                         }))
        page.table(try kSelection(store, runID: run.id))
        let segment = try request.integer("segment")
        page.markup(PipelineViews.choice(request, name: "segment", label: "users of segment",
                                         options: [("", "every segment")] + profiles.map { (text($0[0]), "\(text($0[0])): \(text($0[1]))") },
                                         anchor: "users"))
        page.table(try PipelineViews.pagedTable(
            store, request, id: "users", title: "Users", columns: ["user", "segment", "distance to centroid"],
            sql: "SELECT user_id, segment, distance FROM segments WHERE run_id = ?1 AND (?2 IS NULL OR segment = ?2) ORDER BY segment, distance",
            countSQL: "SELECT count(*) FROM segments WHERE run_id = ?1 AND (?2 IS NULL OR segment = ?2)",
            arguments: [run.id, segment], pageName: "users_page") { $0.map { Cell(text($0)) } })
    }

    /// The scores of each candidate k in each space, from the run's `search` metrics (`raw.k4.silhouette`).
    static func kSelection(_ store: Store, runID: Int64) throws -> Table {
        let rows = try store.read { try $0.table("SELECT name, value FROM metrics WHERE run_id = ? AND split = 'search'", [runID]) }.rows
        var scores: [String: [String: Double]] = [:], metrics: [String] = []
        for row in rows {
            let parts = text(row[0]).split(separator: ".", maxSplits: 2).map(String.init)
            guard parts.count == 3, parts[1].hasPrefix("k"), Int(parts[1].dropFirst()) != nil else { continue }
            scores["\(parts[0])\t\(parts[1].dropFirst())", default: [:]][parts[2]] = Double(sqlValue: row[1])
            if !metrics.contains(parts[2]) { metrics.append(parts[2]) }
        }
        metrics.sort()
        let keys = scores.keys.sorted { a, b in
            let (x, y) = (a.split(separator: "\t"), b.split(separator: "\t"))
            return x[0] != y[0] ? x[0] < y[0] : Int(x[1])! < Int(y[1])!
        }
        return Table(id: "k-selection", title: "k selection", columns: ["space", "k"] + metrics, rows: keys.map { key in
            let parts = key.split(separator: "\t").map(String.init)
            return [Cell(parts[0]), Cell(parts[1])] + metrics.map { Cell(formatted(scores[key]?[$0])) }
        })
    }
}
