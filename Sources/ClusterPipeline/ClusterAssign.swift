import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

extension ClusterPipeline {
    /// `cluster assign --run ID EVENTS.csv` and its options.
    public struct AssignOptions: Sendable {
        public var runID: Int64
        public var input: String
        public var columns = ColumnOptions()
        public var asOf: String?
        public var seed: UInt64 = 42
        public var outputDirectory: String?

        public init(runID: Int64, input: String) {
            self.runID = runID
            self.input = input
        }
    }

    /// What `cluster assign` did.
    public struct AssignReport: Sendable {
        public let runID: Int64
        public let sourceRunID: Int64
        public let input: InputSummary
        public let features: [String]
        public let profiles: [SegmentProfile]
        /// Users also segmented by the source run, and how many of them are now in another segment.
        public let returningUsers: Int
        public let movedUsers: Int
        public let artifacts: [String]
        public let seconds: Double
    }

    /// Puts the users of a (newer) log into the segments of a completed run, with that run's scaler, encoder and
    /// centroids, and records the assignment as a run of its own (config `mode: assign`, `source_run`).
    public static func assign(store: Store, options: AssignOptions, log: (String) -> Void = { _ in }) throws -> AssignReport {
        let started = Date()
        let label = "run \(options.runID)"
        let source = try DistributedJob.fromRankZero { try SourceRun.read(runID: options.runID, from: store) }
        let config = source.config
        let scaler = try Scaler.decode(source.scaler, source: "\(label) scaler")
        let (centroidTensors, centroidInfo) = try Safetensors.decode(source.centroids, path: "\(label) centroids")
        guard let stored = centroidTensors["centroids"], stored.shape.count == 2 else {
            throw ClusterError("\(label): the stored centroids are not a (k, dimensions) matrix")
        }
        let centroids = Matrix(rows: stored.shape[0], columns: stored.shape[1], values: stored.values.map(Double.init))
        var encoder: Sequential?
        if centroidInfo["space"] == "autoencoder" {
            encoder = try TrainedModel.load(store: store, runID: options.runID, pipeline: "cluster", names: ["encoder"]).model
        }
        let names = source.segmentNames
        guard names.count == centroids.rows else { throw ClusterError("\(label): \(names.count) segment profiles for \(centroids.rows) centroids") }

        // The source run's column names are the defaults where the new file has them; otherwise they are guessed again.
        let preferred = config.columns
        let (input, sha256) = try UserInput.load(path: options.input, columns: options.columns, preferred: preferred)
        log("Columns: \(input.columns.description)")
        let features = try userFeatures(input, asOf: options.asOf, schema: scaler)
        let standardized = scaler.transform(features.values)
        let space = encoder.map { Autoencoder.embed(standardized, with: $0) } ?? standardized
        let (labels, distances) = assignToCentroids(space, centroids: centroids)
        var profiles = Profiler.profiles(features, standardized: standardized, labels: labels, k: centroids.rows)
        for index in profiles.indices { profiles[index].name = names[index] }
        let previous = source.segments
        let returning = features.userIDs.indices.filter { previous[features.userIDs[$0]] != nil }
        let moved = returning.filter { previous[features.userIDs[$0]] != labels[$0] }.count
        let summary = InputSummary(path: input.path, columns: input.columns, events: eventCount(input), users: features.userIDs.count,
                                   asOf: features.asOf, eventsAfterAsOf: features.eventsAfterAsOf)

        let datasetID = try store.registerDataset(name: URL(fileURLWithPath: input.path).lastPathComponent,
                                                  kind: summary.events == nil ? "user-features" : "events", source: input.path,
                                                  sha256: sha256, items: summary.events ?? summary.users)
        let assignConfig = ClusterAssignConfig(sourceRun: options.runID, input: input.path, columns: columnsJSON(input.columns),
                                               asOf: features.asOf?.iso8601)
        return try store.record(pipeline: "cluster", datasetID: datasetID, config: assignConfig, seed: options.seed,
                                outputDirectory: options.outputDirectory) { run in
            let artifacts = try recordArtifacts(in: run, features: features, standardized: standardized, labels: labels,
                                                distances: distances, profiles: profiles, seed: options.seed,
                                                title: "run \(run.id): \(URL(fileURLWithPath: input.path).lastPathComponent) in the segments of run \(options.runID)")
            var metrics: [(String, String, Double)] = [
                ("all", "users", Double(features.userIDs.count)), ("all", "assign.returning_users", Double(returning.count)),
                ("all", "assign.moved_users", Double(moved)),
                ("all", "assign.mean_distance", distances.reduce(0, +) / Double(max(distances.count, 1))),
            ]
            if Set(labels).count >= 2 && labels.count > Set(labels).count {
                metrics.append(("all", "assign.silhouette", ClusterScores.silhouettes(space, labelings: [labels])[0]))
            }
            for (split, name, value) in metrics { run.metrics(split, [name: value]) }
            run.keyMetric("all", "assign.moved_users")
            ClusterStore.save(ClusterStore.Rows(datasetID: datasetID, log: eventLog(input), features: features, labels: labels,
                                                distances: distances, profiles: profiles), in: run)
            return AssignReport(runID: run.id, sourceRunID: options.runID, input: summary, features: features.names, profiles: profiles,
                                returningUsers: returning.count, movedUsers: moved, artifacts: artifacts,
                                seconds: Date().timeIntervalSince(started))
        }
    }

    /// What `assign` needs of its source run. Under `mpirun` it is read from rank 0's database and sent to every
    /// process (a worker's scratch database is empty).
    private struct SourceRun: Codable {
        var config: ClusterRunConfig
        var scaler: [UInt8]
        var centroids: [UInt8]
        var segmentNames: [String]
        var segments: [String: Int]

        static func read(runID: Int64, from store: Store) throws -> SourceRun {
            guard let source = try store.run(id: runID) else { throw ClusterError("run \(runID): no such run in \(store.path)") }
            guard source.pipeline == "cluster", source.status == .completed,
                  let config = try? RunConfig.decode(ClusterRunConfig.self, from: source, store: store), config.mode == "run" else {
                throw ClusterError("run \(runID) is not a completed 'cluster run' (pipeline \(source.pipeline), status \(source.status.rawValue))")
            }
            return SourceRun(config: config, scaler: try store.loadModel(runID: runID, name: "scaler").bytes,
                             centroids: try store.loadModel(runID: runID, name: "centroids").bytes,
                             segmentNames: try ClusterStore.segmentNames(runID: runID, in: store),
                             segments: try ClusterStore.segments(runID: runID, in: store))
        }
    }
}
