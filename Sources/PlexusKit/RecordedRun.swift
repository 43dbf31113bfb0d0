import Foundation
import Plexus
import PlexusCharts
import PlexusFormats
import PlexusStore

/// One run as every command records it: the `runs` row and its status, the epochs and checkpoints of its training,
/// and the results it stages (metrics, models with cards, artifacts, the pipeline's own rows), which `Store.record`
/// commits with the final status in one transaction.
///
/// ```swift
/// try store.record(pipeline: "forecast", datasetID: id, config: config, seed: seed, outputDirectory: out) { run in
///     let history = try run.fit(trainer, train, validation: validation)
///     run.metrics("test", table)
///     try run.model(built.model, card: card)
///     try run.artifact("forecast.svg", kind: "chart", text: svg)
///     run.tables { try ForecastTables.insertForecasts(runID: run.id, …, $0) }
///     return report
/// }
/// ```
public final class RecordedRun {
    public let id: Int64
    public let store: Store
    /// Where its files go: `--out`, else `runs/<run id>/`.
    public let directory: String
    /// The run being continued, when this is a `--resume`.
    public let resuming: Bool
    private(set) var results = RunResults()

    init(id: Int64, store: Store, directory: String, resuming: Bool) {
        self.id = id
        self.store = store
        self.directory = directory
        self.resuming = resuming
    }

    /// Final metrics of one split ("train", "val", "test"…), merged with earlier ones of the same split.
    public func metrics(_ split: String, _ values: [String: Double]) {
        results.metrics[split, default: [:]].merge(values) { $1 }
    }

    /// The metric `plexus runs` shows for this run.
    public func keyMetric(_ split: String, _ name: String) {
        results.keyMetric = "\(split)/\(name)"
    }

    /// The run's configuration learned while it ran (thresholds, say), replacing what it started with.
    public func updateConfig(_ config: some Encodable) throws {
        results.config = try RunConfig.json(config)
    }

    /// The pipeline's own rows, written in the final transaction.
    public func tables(_ write: @escaping (StoreTransaction) throws -> Void) {
        results.tables.append(write)
    }

    /// Stages the trained network with its card as model `name`, and writes `<name>.safetensors` into the run's
    /// folder; returns that file's path.
    @discardableResult
    public func model(_ model: Module, card: ModelCard, name: String = "model") throws -> String {
        let bytes = try Checkpoint.encode(model, metadata: ["pipeline": card.pipeline, "run_id": String(id), "name": card.name])
        results.models.append(StoredModel(name: name, bytes: bytes, card: try card.json()))
        return try artifact("\(name).safetensors", kind: "weights", Data(bytes))
    }

    /// Stages fitted state that is not a network (a scaler, centroids) as model `name`.
    public func model(_ stored: StoredModel) {
        results.models.append(stored)
    }

    /// Writes `data` as `name` (a path inside the run's folder, e.g. "heatmaps/scan1.png") and records it in
    /// `artifacts`; returns the path on disk.
    @discardableResult
    public func artifact(_ name: String, kind: String, _ data: Data) throws -> String {
        try artifact(name, kind: kind, data, path: Paths.join(directory, name))
    }

    /// An artifact the user asked for at a path of their own (`--csv FILE`), recorded under its file name.
    @discardableResult
    public func artifact(at path: String, kind: String, _ data: Data) throws -> String {
        try artifact(URL(fileURLWithPath: path).lastPathComponent, kind: kind, data, path: DistributedJob.ownPath(path))
    }

    private func artifact(_ name: String, kind: String, _ data: Data, path: String) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw FormatError(path: path, "cannot write this file of the run (\(error.localizedDescription))")
        }
        results.artifacts.append(ArtifactRecord(name: name, kind: kind, mediaType: RecordedRun.mediaType(of: name),
                                                bytes: data.count <= RecordedRun.inlineLimit ? [UInt8](data) : nil, path: path))
        return path
    }

    /// An artifact as text (SVG, CSV, Markdown).
    @discardableResult
    public func artifact(_ name: String, kind: String, text: String) throws -> String {
        try artifact(name, kind: kind, Data(text.utf8))
    }

    /// A picture as a PNG artifact.
    @discardableResult
    public func artifact(_ name: String, kind: String, png image: PNGImage) throws -> String {
        try artifact(name, kind: kind, Data(try PNG.encode(image, path: Paths.join(directory, name))))
    }

    /// A figure as a PNG or an SVG artifact, by the name's extension.
    @discardableResult
    public func artifact(_ name: String, kind: String, figure: Figure) throws -> String {
        try artifact(name, kind: kind, Data(name.lowercased().hasSuffix(".svg") ? try figure.svg() : try figure.png()))
    }

    /// Files up to this size keep their bytes in the database as well as on disk.
    public static let inlineLimit = 4 << 20

    static func mediaType(of name: String) -> String {
        switch URL(fileURLWithPath: name).pathExtension.lowercased() {
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "csv": return "text/csv"
        case "json": return "application/json"
        case "txt", "md": return "text/plain"
        default: return "application/octet-stream"
        }
    }
}

/// A run's configuration as the JSON stored in `runs.config`: any Codable value, encoded with sorted keys so the
/// text is stable and `json_extract` reads it.
public enum RunConfig {
    public static func json(_ config: some Encodable) throws -> String {
        String(decoding: try ModelCard.encoder.encode(config), as: UTF8.self)
    }

    /// Decodes a stored config as the pipeline's config type; a mismatch names the run.
    public static func decode<Config: Decodable>(_ type: Config.Type, from run: RunRecord, store: Store) throws -> Config {
        do {
            return try ModelCard.decoder.decode(type, from: Data(run.config.utf8))
        } catch {
            throw StoreError(path: store.path, "run \(run.id)'s config is not a \(run.pipeline) configuration (\(error))")
        }
    }
}

extension Store {
    /// Runs `body` as a recorded run of `pipeline` (see `RecordedRun`). With `resume`, continues that interrupted
    /// run instead of starting one: its stored configuration must equal `config`, so the same command with the
    /// same data and settings picks up where it stopped.
    public func record<T>(pipeline: String, datasetID: Int64?, config: some Encodable, seed: UInt64, outputDirectory: String?,
                          resume: Int64? = nil, _ body: (RecordedRun) throws -> T) throws -> T {
        let configText = try RunConfig.json(config)
        let hosts = try DistributedJob.hosts()
        let start: RunStart
        // A worker's scratch database has no run to resume: rank 0 sends it the training state (`RecordedRun.fit`).
        if let resume, !DistributedJob.isWorker {
            try checkResumable(resume, pipeline: pipeline, datasetID: datasetID, config: configText)
            start = .resume(runID: resume)
        } else {
            start = .new(pipeline: pipeline, datasetID: datasetID, config: configText, seed: seed)
        }
        return try withRun(start) { runID in
            try recordPlacement(runID: runID, worldSize: DistributedJob.world.size, hosts: hosts)
            let directory = DistributedJob.ownPath(outputDirectory ?? "runs/\(runID)")
            let run = RecordedRun(id: runID, store: self, directory: directory, resuming: resume != nil)
            let value = try body(run)
            return (value, run.results)
        }
    }

    private func checkResumable(_ runID: Int64, pipeline: String, datasetID: Int64?, config: String) throws {
        guard let run = try run(id: runID) else { throw StoreError(path: path, "--resume \(runID): no such run") }
        guard run.pipeline == pipeline else {
            throw StoreError(path: path, "--resume \(runID): it is a '\(run.pipeline)' run, not a '\(pipeline)' run")
        }
        guard run.status == .interrupted || run.status == .failed else {
            throw StoreError(path: path, "--resume \(runID): the run is \(run.status.rawValue); only an interrupted or failed run can be resumed")
        }
        guard run.datasetID == datasetID, run.config == config else {
            throw StoreError(path: path, "--resume \(runID): the run was started with other data or settings; repeat its command as it was, with --resume")
        }
    }
}
