import Foundation
import Plexus
import PlexusStore

/// The table `plexus runs` prints: one line a run, newest first.
public enum RunList {
    public static func table(store: Store, pipeline: String? = nil, limit: Int = 20) throws -> String {
        let runs = try store.runs(pipeline: pipeline, limit: limit)
        guard !runs.isEmpty else { return "No runs in \(store.path)." }
        var datasets: [Int64: String] = [:]
        let rows = try runs.map { run -> [String] in
            let dataset = try run.datasetID.map { id in
                if let name = datasets[id] { return name }
                let name = try store.datasetName(id: id) ?? "#\(id)"
                datasets[id] = name
                return name
            } ?? ""
            let metric = try store.keyMetric(runID: run.id).map { "\($0.name) \(String(format: "%.4g", $0.value))" } ?? ""
            return [String(run.id), run.pipeline, shortened(dataset), run.status.rawValue,
                    run.startedAt.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)),
                    duration(run.duration), metric]
        }
        var table = TextTable([.right("id"), .left("pipeline"), .left("dataset"), .left("status"), .left("started (UTC)"), .right("duration"),
                               .left("key metric")])
        for row in rows { table.add(row) }
        return table.rendered
    }

    public static func duration(_ seconds: TimeInterval) -> String {
        seconds < 60 ? String(format: "%.1f s", seconds)
            : seconds < 3600 ? String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60)
            : String(format: "%d h %02d min", Int(seconds) / 3600, Int(seconds) % 3600 / 60)
    }

    /// A long name keeps its start and its end, which usually tell data sets apart ("data/gener…mnist/test").
    public static func shortened(_ text: String, to limit: Int = 36) -> String {
        guard text.count > limit else { return text }
        let head = (limit - 1) / 2
        return text.prefix(head) + "…" + text.suffix(limit - 1 - head)
    }
}
