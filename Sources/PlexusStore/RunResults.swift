import Foundation

/// A model as kept in `models`: its serialized weights and the card (JSON) that says how to rebuild and feed it.
public struct StoredModel: Equatable, Sendable {
    public var name: String
    /// "safetensors" for networks; pipelines may keep other fitted state (a scaler, centroids) the same way.
    public var format: String
    public var bytes: [UInt8]
    /// The model card as JSON text; nil for models saved before cards existed.
    public var card: String?

    public init(name: String, format: String = "safetensors", bytes: [UInt8], card: String?) {
        self.name = name
        self.format = format
        self.bytes = bytes
        self.card = card
    }
}

/// A file a run wrote (chart, heat map, CSV…), as a row of `artifacts`. Small files (PlexusKit's
/// `RecordedRun.inlineLimit`) keep their bytes in the database, so the database alone can show a run; the file on disk stays for the user.
public struct ArtifactRecord: Equatable, Sendable {
    public var name: String
    /// What it shows: "chart", "heatmap", "image", "table", "weights"…
    public var kind: String
    public var mediaType: String
    public var bytes: [UInt8]?
    public var path: String?
    public var createdAt: Date

    public init(name: String, kind: String, mediaType: String, bytes: [UInt8]?, path: String?, createdAt: Date = Date()) {
        self.name = name
        self.kind = kind
        self.mediaType = mediaType
        self.bytes = bytes
        self.path = path
        self.createdAt = createdAt
    }
}

/// Everything a run writes when it finishes. `Store.finishRun` commits it together with the run's final status in
/// one transaction: a run is either `completed` with all of its results or has none of them.
public struct RunResults {
    /// Replaces `runs.config` when set (a run that learns part of its configuration, such as thresholds).
    public var config: String?
    /// Final metrics by split ("train", "val", "test"…) then name.
    public var metrics: [String: [String: Double]] = [:]
    /// `split/name` of the metric `plexus runs` shows for the run.
    public var keyMetric: String?
    public var models: [StoredModel] = []
    public var artifacts: [ArtifactRecord] = []
    /// The pipeline's own rows (forecasts, predictions, segments, scores…), written inside the same transaction.
    public var tables: [(StoreTransaction) throws -> Void] = []

    public init() {}
}

/// A `running` run that a later command found could no longer finish, and marked `interrupted`.
public struct ReconciledRun: Equatable, Sendable {
    public let id: Int64
    public let pipeline: String
    public let reason: String
}
