import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// A problem with the command line or with a stored run, in one line (problems inside files are `FormatError`s).
public struct ClusterError: UserFacingError, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Which space k-means segments users in.
public enum Embedding: String, CaseIterable, Sendable {
    /// The standardised features themselves.
    case none
    /// The bottleneck of the autoencoder in the pipeline file.
    case autoencoder
}

/// `--k N` or `--k auto` (the best silhouette over `ClusterPipeline.autoRange`).
public enum ClusterCount: Equatable, Sendable, CustomStringConvertible {
    case auto
    case fixed(Int)

    public init?(_ text: String) {
        if text == "auto" { self = .auto } else if let k = Int(text), k >= 2 { self = .fixed(k) } else { return nil }
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .fixed(let k): return String(k)
        }
    }
}

/// The cluster pipeline: `run` segments an event log (this file), `assign` puts a newer log's users into a run's
/// segments (ClusterAssign.swift). Both record everything in the store; the executable only parses and prints.
public enum ClusterPipeline {
    /// The k values `--k auto` tries.
    public static let autoRange = 2...10

    /// `cluster run EVENTS.csv` and its options.
    public struct RunOptions: Sendable {
        public var input: String
        public var columns = ColumnOptions()
        public var clusters = ClusterCount.auto
        public var embedding = Embedding.autoencoder
        /// The autoencoder's pipeline file, or `builtin:NAME` (see `PipelineFiles`).
        public var pipelinePath = PipelineFiles.builtin("cluster.yml")
        /// Reference date for recency (default: the last event).
        public var asOf: String?
        public var seed: UInt64 = 42
        /// Overrides the pipeline file's epochs.
        public var epochs: Int?
        /// k-means restarts (scikit-learn's n_init).
        public var initializations = 10
        /// Where the plots and segments.csv go; nil means `runs/<run id>/`.
        public var outputDirectory: String?
        public var progress = ProgressStyle.automatic
        /// An interrupted run to continue from its checkpoint: the same input and options as when it started.
        public var resume: Int64?

        public init(input: String) { self.input = input }
    }

    /// Ingests the input, builds and standardises per-user features, segments them with k-means on the raw features
    /// and on the autoencoder embedding, names and profiles the segments of `options.embedding`, and records it
    /// all as one run. Everything that can be wrong with the input or the pipeline file is found before the run
    /// row is written. `log` receives progress lines.
    public static func run(store: Store, options: RunOptions, log: (String) -> Void = { _ in }) throws -> RunReport {
        var clock = Stopwatch()
        let (input, sha256) = try UserInput.load(path: options.input, columns: options.columns)
        log("Columns: \(input.columns.description)")
        let features = try userFeatures(input, asOf: options.asOf, schema: nil)
        let summary = InputSummary(path: input.path, columns: input.columns, events: eventCount(input), users: features.userIDs.count,
                                   asOf: features.asOf, eventsAfterAsOf: features.eventsAfterAsOf)
        let ks = try candidateKs(options.clusters, users: features.userIDs.count)
        let scaler = try Scaler.fit(features, source: input.path)
        let standardized = scaler.transform(features.values)
        clock.lap("reading and features")

        // The autoencoder is built before the run starts, so that a bad pipeline file leaves no run behind.
        var autoencoder: (model: Autoencoder, pipeline: PipelineSpec, yaml: String)?
        if options.embedding == .autoencoder {
            let yaml = try PipelineFiles.text(options.pipelinePath)
            let pipeline = try PipelineSpec.parse(yaml: yaml, file: options.pipelinePath)
            autoencoder = (try Autoencoder.build(pipeline, features: features.names.count, seed: options.seed), pipeline, yaml)
        }
        let datasetID = try store.registerDataset(name: URL(fileURLWithPath: input.path).lastPathComponent,
                                                  kind: summary.events == nil ? "user-features" : "events", source: input.path,
                                                  sha256: sha256, items: summary.events ?? summary.users)
        let setup = autoencoder.map { TrainingSetup($0.pipeline.training, epochs: options.epochs, defaultEpochs: 30) }
        let logTransformed = zip(features.names, scaler.logged).filter(\.1).map(\.0)
        let config = ClusterRunConfig(
            input: input.path, columns: columnsJSON(input.columns), k: options.clusters.description, kCandidates: ks,
            embed: options.embedding.rawValue, nInit: options.initializations, features: features.names, logTransformed: logTransformed,
            asOf: features.asOf?.iso8601, pipelineFile: setup == nil ? nil : options.pipelinePath, pipelineYAML: autoencoder?.yaml,
            training: setup?.summary)

        return try store.record(pipeline: "cluster", datasetID: datasetID, config: config, seed: options.seed,
                                outputDirectory: options.outputDirectory, resume: options.resume) { run in
            let skewed = logTransformed.isEmpty ? "" : "; log1p first for the skewed \(logTransformed.joined(separator: ", "))"
            log("Features (\(features.names.count), standardised\(skewed)): \(features.names.joined(separator: ", "))")
            log("k-means on the raw features (\(standardized.columns) dimensions), k = \(ks.map(String.init).joined(separator: ", ")), n_init \(options.initializations)")
            let rawResults = search(standardized, ks: ks, options: options)
            clock.lap("k-means, raw")
            var embedded: (report: AutoencoderReport, space: Matrix, results: [KMeans.Result], chosen: Int, steps: [SearchStep])?
            if let (model, pipeline, _) = autoencoder, let setup {
                log("Autoencoder (\(pipeline.file)): \(features.names.count) features -> \(model.width)-d embedding")
                let (history, reconstruction) = try model.train(standardized, setup: setup, seed: options.seed,
                                                                progress: options.progress, run: run)
                let space = model.embed(standardized)
                clock.lap("autoencoder training")
                log("k-means on the \(model.width)-d autoencoder embedding, k = \(ks.map(String.init).joined(separator: ", "))")
                let results = search(space, ks: ks, options: options)
                let steps = scoredSteps(space, results)
                clock.lap("k-means and scores, embedding")
                let report = AutoencoderReport(
                    summary: Plexus.summary(model.model, inputShape: [features.names.count]), width: model.width,
                    epochs: history.epochs.count, bestEpoch: history.bestEpoch,
                    secondsPerEpoch: history.secondsPerEpoch,
                    reconstructionError: reconstruction,
                    pcaReconstructionError: PCA.fit(standardized).reconstructionError(dimensions: model.width))
                embedded = (report, space, results, bestIndex(steps), steps)
            }
            // One pass over all pairs scores every raw labeling and the autoencoder's chosen one in the feature space.
            let rawLabelings = rawResults.map(\.labels) + (embedded.map { [$0.results[$0.chosen].labels] } ?? [])
            let rawSilhouettes = ClusterScores.silhouettes(standardized, labelings: rawLabelings)
            let rawSteps = scoredSteps(standardized, rawResults, silhouettes: Array(rawSilhouettes.prefix(rawResults.count)))
            let rawChosen = bestIndex(rawSteps)
            var variants = [VariantReport(name: "raw", dimensions: standardized.columns, steps: rawSteps, chosen: rawChosen,
                                          silhouetteInFeatures: rawSteps[rawChosen].silhouette)]
            if let embedded {
                variants.append(VariantReport(name: "autoencoder", dimensions: embedded.space.columns, steps: embedded.steps,
                                              chosen: embedded.chosen, silhouetteInFeatures: rawSilhouettes.last!))
            }
            clock.lap("scores, raw")
            let agreement = embedded.map { ClusterScores.adjustedRandIndex(rawResults[rawChosen].labels, $0.results[$0.chosen].labels) }

            // The segments users see come from the chosen variant.
            let (space, chosen) = embedded.map { ($0.space, $0.results[$0.chosen]) } ?? (standardized, rawResults[rawChosen])
            let (labels, centroids, distances) = numberedByRevenue(chosen, space: space, revenue: features.revenue)
            let k = centroids.rows
            let profiles = Profiler.profiles(features, standardized: standardized, labels: labels, k: k)

            let artifacts = try recordArtifacts(in: run, features: features, standardized: standardized, labels: labels,
                                                distances: distances, profiles: profiles, seed: options.seed,
                                                title: "run \(run.id): \(URL(fileURLWithPath: input.path).lastPathComponent)")

            clock.lap("profiles and plots")
            var metrics = [("all", "users", Double(features.userIDs.count))] + variants.flatMap(metricRows)
            run.model(StoredModel(name: "scaler", format: "json", bytes: try scaler.encoded(), card: nil))
            run.model(StoredModel(name: "centroids", bytes: try Safetensors.encode(
                ["centroids": SafetensorsTensor(shape: [k, centroids.columns], values: centroids.values.map(Float.init))],
                metadata: ["space": options.embedding == .none ? "raw" : "autoencoder", "k": String(k)]), card: nil))
            if let embedded, let (model, _, _) = autoencoder {
                metrics += [("all", "autoencoder.reconstruction_mse", embedded.report.reconstructionError),
                            ("all", "pca.reconstruction_mse", embedded.report.pcaReconstructionError),
                            ("all", "agreement.adjusted_rand", agreement!)]
                let cards = try model.cards(scaler: scaler)
                try run.model(model.encoder, card: cards.encoder, name: "encoder")
                try run.model(model.model, card: cards.autoencoder, name: "autoencoder")
            }
            for (split, name, value) in metrics { run.metrics(split, [name: value]) }
            run.keyMetric("all", "\(variants.last!.name).silhouette")
            ClusterStore.save(ClusterStore.Rows(datasetID: datasetID, log: eventLog(input), features: features, labels: labels,
                                                distances: distances, profiles: profiles), in: run)
            clock.lap("database")
            return RunReport(runID: run.id, input: summary, features: features.names, logged: scaler.logged, variants: variants,
                             used: options.embedding, autoencoder: embedded?.report, agreement: agreement, profiles: profiles,
                             artifacts: artifacts, seconds: clock.total, timings: clock.laps)
        }
    }

    // MARK: Steps shared by run and assign

    /// Wall-clock time per phase of a run.
    struct Stopwatch {
        let start = Date()
        var last = Date()
        var laps: [(phase: String, seconds: Double)] = []

        mutating func lap(_ phase: String) {
            let now = Date()
            laps.append((phase, now.timeIntervalSince(last)))
            last = now
        }

        var total: Double { Date().timeIntervalSince(start) }
    }

    /// Per-user features of `input`; with a trained `schema`, the same columns that run was trained on.
    static func userFeatures(_ input: UserInput, asOf text: String?, schema scaler: Scaler?) throws -> UserFeatures {
        let asOf = try text.map { text -> EventTime in
            guard let time = EventTime.parse(text) else {
                throw ClusterError("--as-of: cannot read \"\(text)\" as a date or time (expected \(EventTime.acceptedForms))")
            }
            return time
        }
        switch input {
        case .events(let log):
            guard let scaler else { return try FeatureBuilder.fit(log, asOf: asOf) }
            guard let schema = scaler.schema else {
                throw ClusterError("the segments were built from a per-user feature table; \(log.path) is an event log")
            }
            return try FeatureBuilder.build(log, schema: schema, asOf: asOf)
        case .table(let table):
            guard asOf == nil else { throw ClusterError("--as-of needs an event log; \(table.path) is a per-user feature table") }
            let features = FeatureBuilder.features(of: table)
            guard let scaler else { return features }
            guard scaler.schema == nil else {
                throw ClusterError("the segments were built from an event log; \(table.path) has no time column (--time-column)")
            }
            let missing = scaler.names.filter { !features.names.contains($0) }
            guard missing.isEmpty else {
                throw FormatError(path: table.path, line: 1, "missing feature columns \(missing.map { "'\($0)'" }.joined(separator: ", ")) that the segments were built on")
            }
            let columns = scaler.names.map { features.names.firstIndex(of: $0)! }
            var values = Matrix(rows: features.values.rows, columns: columns.count)
            for r in 0..<values.rows { for (c, source) in columns.enumerated() { values[r, c] = features.values[r, source] } }
            return UserFeatures(userIDs: features.userIDs, names: scaler.names, values: values, revenue: features.revenue,
                                schema: nil, asOf: nil, eventsAfterAsOf: 0)
        }
    }

    /// The k values to try: all of `autoRange` that the number of users allows, or the one asked for.
    /// The silhouette needs 2 ≤ k ≤ users − 1.
    static func candidateKs(_ count: ClusterCount, users: Int) throws -> [Int] {
        switch count {
        case .fixed(let k):
            guard k >= 2, k < users else { throw ClusterError("--k \(k): needs 2 ≤ k < the number of users (\(users))") }
            return [k]
        case .auto:
            guard users >= 3 else { throw ClusterError("segmenting needs at least 3 users, the input has \(users)") }
            return Array(autoRange.lowerBound...min(autoRange.upperBound, users - 1))
        }
    }

    /// k-means for each k, with scikit-learn's settings and `options.initializations` restarts.
    static func search(_ data: Matrix, ks: [Int], options: RunOptions) -> [KMeans.Result] {
        ks.map { KMeans(clusters: $0, initializations: options.initializations, seed: options.seed &+ UInt64($0)).fit(data) }
    }

    /// The chosen k's final numbers (split `all`) and every k's scores (split `search`), named `<variant>.<metric>`.
    static func metricRows(_ variant: VariantReport) -> [(String, String, Double)] {
        let best = variant.best, name = variant.name
        var rows = [("all", "\(name).k", Double(best.k)), ("all", "\(name).inertia", best.inertia),
                    ("all", "\(name).silhouette", best.silhouette), ("all", "\(name).davies_bouldin", best.daviesBouldin),
                    ("all", "\(name).calinski_harabasz", best.calinskiHarabasz),
                    ("all", "\(name).silhouette_in_features", variant.silhouetteInFeatures)]
        for step in variant.steps {
            rows += [("search", "\(name).k\(step.k).inertia", step.inertia), ("search", "\(name).k\(step.k).silhouette", step.silhouette),
                     ("search", "\(name).k\(step.k).davies_bouldin", step.daviesBouldin),
                     ("search", "\(name).k\(step.k).calinski_harabasz", step.calinskiHarabasz)]
        }
        return rows
    }

    /// The clusters renumbered so that segment 0 carries the most revenue (or users), with the centroids in that
    /// order and each user's distance to its centroid.
    static func numberedByRevenue(_ result: KMeans.Result, space: Matrix, revenue: [Double]?) -> (labels: [Int], centroids: Matrix, distances: [Double]) {
        let k = result.centroids.rows
        let order = Profiler.order(labels: result.labels, k: k, revenue: revenue)
        var renumber = [Int](repeating: 0, count: k)
        for (new, old) in order.enumerated() { renumber[old] = new }
        let labels = result.labels.map { renumber[$0] }
        let centroids = result.centroids.selecting(rows: order)
        let distances = (0..<space.rows).map { squaredDistance(space.row($0), centroids.row(labels[$0])).squareRoot() }
        return (labels, centroids, distances)
    }

    /// Scores each k-means result; the silhouettes can be given when they were computed in a shared pass.
    static func scoredSteps(_ data: Matrix, _ results: [KMeans.Result], silhouettes: [Double]? = nil) -> [SearchStep] {
        let silhouettes = silhouettes ?? ClusterScores.silhouettes(data, labelings: results.map(\.labels))
        return zip(results, silhouettes).map { result, silhouette in
            SearchStep(k: result.centroids.rows, inertia: result.inertia, silhouette: silhouette,
                       daviesBouldin: ClusterScores.daviesBouldin(data, labels: result.labels),
                       calinskiHarabasz: ClusterScores.calinskiHarabasz(data, labels: result.labels), iterations: result.iterations)
        }
    }

    /// The step with the highest silhouette (the smallest k on a tie).
    static func bestIndex(_ steps: [SearchStep]) -> Int {
        steps.indices.max { (steps[$0].silhouette, -$0) < (steps[$1].silhouette, -$1) }!
    }

    /// pca.svg (users on the first two principal components of the standardised features, coloured by segment),
    /// profiles.svg (heat map of the profiles) and segments.csv; returns their paths.
    static func recordArtifacts(in run: RecordedRun, features: UserFeatures, standardized: Matrix, labels: [Int], distances: [Double],
                                profiles: [SegmentProfile], seed: UInt64, title: String) throws -> [String] {
        let pca = PCA.fit(standardized)
        let ratios = pca.explainedRatios
        let names = profiles.map(\.name)
        let scatter = Plots.scatter(points: pca.project(standardized, dimensions: 2), labels: labels, names: names,
                                    title: "\(title): segments on the first two principal components",
                                    xLabel: String(format: "PC1 (%.0f%% of variance)", ratios[0] * 100),
                                    yLabel: String(format: "PC2 (%.0f%% of variance)", (ratios.count > 1 ? ratios[1] : 0) * 100), seed: seed)
        let heatmap = Plots.heatmap(rows: profiles.map { "\($0.segment): \($0.name) (\($0.users))" }, columns: features.names,
                                    levels: profiles.map(\.levels), texts: profiles.map { $0.medians.map(shortNumber) },
                                    title: "\(title): segment profiles")
        var rows: [[String]] = []
        for (user, id) in features.userIDs.enumerated() {
            rows.append([id, String(labels[user]), names[labels[user]], String(format: "%.4f", distances[user])])
        }
        return [try run.artifact("pca.svg", kind: "chart", figure: scatter),
                try run.artifact("profiles.svg", kind: "chart", figure: heatmap),
                try run.artifact("segments.csv", kind: "table", text: CSV.write(header: ["user_id", "segment", "name", "distance"], rows: rows))]
    }

    /// A number with as many decimals as its size deserves: 471, 43.4, 0.23, whole numbers without any; "-" for none.
    public static func shortNumber(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let magnitude = abs(value)
        let whole = value == value.rounded() && magnitude < 1e15
        return String(format: magnitude >= 100 || whole ? "%.0f" : magnitude >= 10 ? "%.1f" : "%.2f", value)
    }

    static func eventCount(_ input: UserInput) -> Int? {
        if case .events(let log) = input { return log.count }
        return nil
    }

    static func eventLog(_ input: UserInput) -> EventLog? {
        if case .events(let log) = input { return log }
        return nil
    }

    static func columnsJSON(_ columns: ColumnMapping) -> [String: String] {
        var result = ["user": columns.user]
        for (role, name) in [("time", columns.time), ("amount", columns.amount), ("event", columns.event), ("category", columns.category)] {
            if let name { result[role] = name }
        }
        return result
    }
}
