import Foundation
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
        return TextTable.render(header: ["id", "pipeline", "dataset", "status", "started (UTC)", "duration", "key metric"], rows: rows,
                                rightAligned: [0, 5])
    }

    static func duration(_ seconds: TimeInterval) -> String {
        seconds < 60 ? String(format: "%.1f s", seconds)
            : seconds < 3600 ? String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60)
            : String(format: "%d h %02d min", Int(seconds) / 3600, Int(seconds) % 3600 / 60)
    }

    /// Long folder names keep their end, which names the data.
    static func shortened(_ text: String, to limit: Int = 32) -> String {
        text.count <= limit ? text : "…" + text.suffix(limit - 1)
    }
}

/// Column-aligned text for the terminal.
public enum TextTable {
    public static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
