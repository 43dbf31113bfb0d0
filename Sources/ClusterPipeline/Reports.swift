/// One k tried: the k-means inertia and the three validity scores of its labels.
public struct SearchStep: Sendable {
    public let k: Int
    public let inertia: Double
    public let silhouette: Double
    public let daviesBouldin: Double
    public let calinskiHarabasz: Double
    public let iterations: Int
}

/// k-means in one space (`raw` standardised features or the `autoencoder` embedding) for every k tried.
public struct VariantReport: Sendable {
    public let name: String
    public let dimensions: Int
    public let steps: [SearchStep]
    /// Index in `steps` of the k with the best silhouette.
    public let chosen: Int
    /// The chosen labels scored in the standardised feature space, where both variants can be compared
    /// (a silhouette in a 4-d embedding is not comparable with one in the 8-d feature space).
    public let silhouetteInFeatures: Double

    public var best: SearchStep { steps[chosen] }
}

public struct AutoencoderReport: Sendable {
    public let summary: String
    public let width: Int
    public let epochs: Int
    public let bestEpoch: Int
    public let secondsPerEpoch: Double
    /// Mean squared reconstruction error of the standardised features (all users).
    public let reconstructionError: Double
    /// The same for PCA keeping `width` components: the linear baseline.
    public let pcaReconstructionError: Double
}

/// What `cluster run` did; every number is also in the database.
public struct RunReport: Sendable {
    public let runID: Int64
    public let input: InputSummary
    public let features: [String]
    public let logged: [Bool]
    public let variants: [VariantReport]
    public let used: Embedding
    public let autoencoder: AutoencoderReport?
    /// Adjusted Rand index between the raw and autoencoder segmentations (nil with `--embed none`).
    public let agreement: Double?
    public let profiles: [SegmentProfile]
    public let artifacts: [String]
    public let seconds: Double
    /// Seconds spent in each phase, in order.
    public let timings: [(phase: String, seconds: Double)]

    public var usedVariant: VariantReport { variants.first { $0.name == (used == .none ? "raw" : "autoencoder") }! }
}

public struct InputSummary: Sendable {
    public let path: String
    public let columns: ColumnMapping
    /// Events read, or nil for a per-user table.
    public let events: Int?
    public let users: Int
    public let asOf: EventTime?
    public let eventsAfterAsOf: Int
}
