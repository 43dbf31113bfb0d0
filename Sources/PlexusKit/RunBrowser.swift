import Foundation
import PlexusStore

/// The queries behind `plexus ui`'s runs table: filters, sorting and paging in SQL, with every value from the
/// request bound, never spliced into the statement (the sort column is picked from a fixed list).
public enum RunBrowser {
    /// A condition on a final metric, as typed in the filter box: `accuracy >= 0.9`, `test/lstm.mase < 1`.
    /// A bare name (`accuracy`) is the run's key metric when that is its name (`cnn.accuracy` counts); a dotted
    /// name (`lstm.mase`) is that metric of the run, in any split, or in the split before a `/`.
    public struct MetricCondition: Equatable, Sendable {
        public var split: String?
        public var name: String
        public var comparison: String
        public var value: Double

        static let comparisons = ["<=", ">=", "!=", "<", ">", "="]

        public init(parsing text: String) throws {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let comparison = Self.comparisons.first(where: { trimmed.contains($0) }),
                  let range = trimmed.range(of: comparison) else {
                throw BrowseError("metric condition '\(text)': expected NAME OP NUMBER with OP one of \(Self.comparisons.joined(separator: " ")), e.g. accuracy >= 0.9")
            }
            var name = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let number = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value.isFinite else {
                throw BrowseError("metric condition '\(text)': expected a number after \(comparison), found '\(number)'")
            }
            if let slash = name.firstIndex(of: "/") {
                split = String(name[..<slash])
                name = String(name[name.index(after: slash)...])
            }
            guard !name.isEmpty else { throw BrowseError("metric condition '\(text)': expected a metric name before \(comparison)") }
            (self.name, self.comparison, self.value) = (name, comparison, value)
        }
    }

    public struct Filter: Equatable, Sendable {
        public var pipeline: String?
        public var status: RunStatus?
        public var datasetID: Int64?
        public var metric: MetricCondition?
        public init(pipeline: String? = nil, status: RunStatus? = nil, datasetID: Int64? = nil, metric: MetricCondition? = nil) {
            (self.pipeline, self.status, self.datasetID, self.metric) = (pipeline, status, datasetID, metric)
        }
    }

    /// The columns the runs table sorts by, with the SQL each sorts on.
    public enum SortColumn: String, CaseIterable, Sendable {
        case id, pipeline, dataset, status, started, duration, metric
        var expression: String {
            switch self {
            case .id: "id"
            case .pipeline: "pipeline"
            case .dataset: "dataset"
            case .status: "status"
            case .started: "started_at"
            case .duration: "duration"
            case .metric: "key_value"
            }
        }
    }

    /// One run as the table shows it.
    public struct RunSummary: Sendable {
        public var id: Int64
        public var pipeline: String
        public var datasetID: Int64?
        public var dataset: String?
        public var status: String
        public var startedAt: String
        public var seconds: Double?
        /// "split/name", and its value.
        public var keyMetric: String?
        public var keyValue: Double?
    }

    /// One page of runs and how many match the filter in all.
    public static func runs(_ store: Store, filter: Filter, sort: SortColumn = .id, ascending: Bool = false,
                            limit: Int? = 50, offset: Int = 0) throws -> (runs: [RunSummary], total: Int) {
        let metric = filter.metric
        // The comparison is one of a fixed list, so it may be spliced; names and values are bound. A dotted or split
        // name is looked up among all metrics, a bare one is compared with the key metric.
        let compare = metric.flatMap { m in MetricCondition.comparisons.first { $0 == m.comparison } } ?? "="
        let arguments: SQLArguments = [filter.pipeline, filter.status?.rawValue, filter.datasetID, Date().formatted(.iso8601),
                                       metric?.name, metric?.split, metric?.value]
        let matching = """
            SELECT * FROM (
                SELECT r.id, r.pipeline, r.dataset_id, d.name AS dataset, r.status, r.started_at, r.key_metric,
                       (SELECT m.value FROM metrics m WHERE m.run_id = r.id AND m.split || '/' || m.name = r.key_metric) AS key_value,
                       (julianday(coalesce(r.finished_at, ?4)) - julianday(r.started_at)) * 86400 AS duration
                FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id)
            WHERE (?1 IS NULL OR pipeline = ?1) AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR dataset_id = ?3)
              AND (?5 IS NULL OR CASE WHEN instr(?5, '.') > 0 OR ?6 IS NOT NULL
                  THEN EXISTS (SELECT 1 FROM metrics m WHERE m.run_id = id AND m.name = ?5 AND (?6 IS NULL OR m.split = ?6)
                                                         AND m.value \(compare) ?7)
                  ELSE substr(key_metric, -length(?5)) = ?5 AND substr(key_metric, -length(?5) - 1, 1) IN ('/', '.') AND key_value \(compare) ?7 END)
            """
        return try store.read { transaction in
            let total = try transaction.value(Int.self, "SELECT count(*) FROM (\(matching))", arguments) ?? 0
            let order = "\(sort.expression) \(ascending ? "ASC" : "DESC") NULLS LAST, id DESC"
            let page = try transaction.rows("\(matching) ORDER BY \(order) LIMIT ?8 OFFSET ?9", arguments + [limit ?? -1, offset])
            let runs = page.map { row in
                RunSummary(id: row["id"] ?? 0, pipeline: row["pipeline"] ?? "", datasetID: row["dataset_id"], dataset: row["dataset"],
                           status: row["status"] ?? "", startedAt: row["started_at"] ?? "", seconds: row["duration"],
                           keyMetric: row["key_metric"], keyValue: row["key_value"])
            }
            return (runs, total)
        }
    }

    /// The values of one epoch series (`train_loss`, `val_loss`, `learning_rate`, or a metric of `epochs.metrics`),
    /// summarised: the last, the best (lowest for losses and errors, highest otherwise), the minimum and maximum.
    public struct EpochSummary: Equatable, Sendable {
        public var name: String
        public var last: Double
        public var best: Double
        public var bestEpoch: Int
        public var min: Double
        public var max: Double
    }

    /// Whether a smaller value of this metric is better: losses and errors.
    public static func lowerIsBetter(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["loss", "error", "mse", "mae", "mape", "mase", "rmse", "davies_bouldin", "inertia"].contains { lower.contains($0) }
    }

    /// Every epoch series of these runs, in epoch order, by run and name.
    public static func epochSeries(_ store: Store, runIDs: [Int64]) throws -> [Int64: [String: [(epoch: Int, value: Double)]]] {
        guard !runIDs.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: runIDs.count).joined(separator: ",")
        let rows = try store.read { transaction in
            try transaction.rows("""
                SELECT run_id, epoch, 'train_loss' AS name, train_loss AS value FROM epochs WHERE run_id IN (\(marks))
                UNION ALL SELECT run_id, epoch, 'val_loss', val_loss FROM epochs WHERE run_id IN (\(marks)) AND val_loss IS NOT NULL
                UNION ALL SELECT run_id, epoch, 'learning_rate', learning_rate FROM epochs WHERE run_id IN (\(marks))
                UNION ALL SELECT e.run_id, e.epoch, j.key, j.value FROM epochs e, json_each(e.metrics) j
                          WHERE e.run_id IN (\(marks)) AND j.type IN ('real', 'integer')
                ORDER BY 1, 3, 2
                """, Array(repeating: runIDs.map { $0 as (any SQLConvertible)? }, count: 4).flatMap { $0 })
        }
        var series: [Int64: [String: [(epoch: Int, value: Double)]]] = [:]
        for row in rows {
            guard let run: Int64 = row["run_id"], let name: String = row["name"], let epoch: Int = row["epoch"],
                  let value: Double = row["value"] else { continue }
            series[run, default: [:]][name, default: []].append((epoch, value))
        }
        return series
    }

    /// The summary of one series (nil when it is empty).
    public static func summary(_ name: String, _ points: [(epoch: Int, value: Double)]) -> EpochSummary? {
        guard let last = points.last else { return nil }
        let values = points.map(\.value)
        let lower = lowerIsBetter(name)
        let best = points.min { lower ? $0.value < $1.value : $0.value > $1.value }!
        return EpochSummary(name: name, last: last.value, best: best.value, bestEpoch: best.epoch, min: values.min()!, max: values.max()!)
    }
}

/// A request the browser cannot answer, such as a malformed filter: one line saying what was expected.
public struct BrowseError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
