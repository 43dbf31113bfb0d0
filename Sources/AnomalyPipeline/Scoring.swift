import Foundation
import Plexus
import PlexusCharts
import PlexusFormats
import PlexusKit
import PlexusStore

/// `anomaly score`: scores scans with a training run's autoencoder and baseline, against that run's thresholds.
public enum AnomalyScoring {
    public struct Options {
        /// The training run whose model and thresholds to use.
        public var modelRunID: Int64
        /// PNG files and folders (flat, or `normal/`, `abnormal/`, `masks/`).
        public var paths: [String]
        /// Where artifacts go; nil means `runs/<score run id>/`.
        public var outputDirectory: String?
        /// How many of the highest-scoring scans the grid shows.
        public var gridSize = 16

        public init(modelRunID: Int64, paths: [String]) {
            self.modelRunID = modelRunID
            self.paths = paths
        }
    }

    /// One method's verdict on one scan.
    public struct Verdict: Sendable {
        public let score: Double
        public let calibrated: Double
        public let isAnomaly: Bool

        init(score: Double, calibration: Calibration) {
            self.score = score
            calibrated = calibration.calibrated(score)
            isAnomaly = calibration.isAnomalous(score)
        }
    }

    public struct ScanResult: Sendable {
        public let path: String
        public let label: String?
        public let verdicts: [Method: Verdict]
        /// The picture of the scan with both heat maps.
        public let heatmapPath: String
    }

    public struct Report {
        public let runID: Int64
        public let modelRunID: Int64
        public let results: [ScanResult]
        public let thresholds: [Method: MethodThreshold]
        /// Test metrics by `<method>.<metric>` name, and per kind of scan by `<method>.<kind>.<metric>`, as stored in
        /// `metrics`; empty without labels.
        public let metrics: [String: Double]
        /// The kinds of the labelled scans (`kinds.csv`), abnormal kinds first; empty without one.
        public let kinds: [(kind: String, label: String, count: Int)]
        /// The best method on image AUROC against the intensity baseline, with a bootstrap interval of the difference.
        public let comparison: Comparison?
        /// Methods in report order.
        public var methods: [Method] { thresholds.keys.sorted() }
        public let hasLabels: Bool
        public let hasMasks: Bool
        public let seconds: Double
        public let artifacts: [String]
    }

    /// What `score` needs from a training run's config.
    public static func run(store: Store, options: Options) throws -> Report {
        let started = Date()
        guard options.gridSize >= 1 else { throw AnomalyError("--grid must be at least 1, found \(options.gridSize)") }
        let (trained, detector) = try loadDetector(store: store, runID: options.modelRunID)
        var calibrations: [Method: Calibration] = [:], thresholds: [Method: MethodThreshold] = [:]
        for method in detector.methods {
            // Under mpirun only rank 0 has the database.
            let scores = try DistributedJob.fromRankZero { try AnomalyTables.calibrationScores(runID: options.modelRunID, method: method, in: store) }
            guard let threshold = trained.thresholds[method.rawValue], !scores.isEmpty else {
                throw AnomalyError("run \(options.modelRunID) has no held-out \(method) scores to calibrate against; train again")
            }
            calibrations[method] = Calibration(normalScores: scores, quantile: threshold.quantile)
            thresholds[method] = threshold
        }
        let scans = try ImageFolder.scoringScans(options.paths, size: trained.scoring.imageSize)
        let labelled = scans.allSatisfy { $0.label != nil }, masked = scans.allSatisfy { $0.truth != nil }

        let datasetID = try store.registerImageDataset(name: options.paths.joined(separator: " "), source: "scans scored by anomaly score",
                                                       rows: scans.map(\.row))
        let config = ScoreConfig(modelRun: options.modelRunID, paths: options.paths, scoring: trained.scoring, thresholds: trained.thresholds,
                                 labels: labelled, masks: masked)
        return try store.record(pipeline: "anomaly-score", datasetID: datasetID, config: config, seed: 0,
                                outputDirectory: options.outputDirectory) { run in
            let analyses = try detector.analyse(scans)

            var results: [ScanResult] = []
            for (analysis, name) in zip(analyses, heatmapNames(scans.map(\.path))) {
                let path = try run.artifact("heatmaps/" + name, kind: "heatmap", figure: Rendering.rows([Detector.panel(analysis, thresholds: thresholds)]))
                let verdicts = Dictionary(uniqueKeysWithValues: detector.methods.map { method in
                    (method, Verdict(score: analysis.maps[method]!.score, calibration: calibrations[method]!))
                })
                results.append(ScanResult(path: analysis.scan.path, label: analysis.scan.label, verdicts: verdicts, heatmapPath: path))
            }
            let rows = try Detector.rows(analyses, thresholds: thresholds, calibrations: calibrations)
            run.tables { try AnomalyTables.insert(rows, runID: run.id, $0) }

            var artifacts = [Paths.join(run.directory, "heatmaps/") + " (\(analyses.count) PNGs)"]
            artifacts.append(try run.artifact("most_anomalous.png", kind: "image", figure: grid(
                analyses, method: detector.kind.method, thresholds: thresholds, count: options.gridSize,
                title: "Run \(run.id): the \(min(options.gridSize, analyses.count)) highest \(detector.kind) scores")))
            artifacts.append(try run.artifact("scores.csv", kind: "table", text: csv(results, methods: detector.methods)))

            var metrics: [String: Double] = [:], comparison: Comparison?
            let kinds = labelled ? kindCounts(analyses) : []
            if labelled {
                metrics = evaluate(analyses, methods: detector.methods, thresholds: thresholds, calibrations: calibrations, withMasks: masked)
                comparison = Comparison(analyses, methods: detector.methods, metrics: metrics)
                if let comparison {
                    metrics["\(comparison.best).auroc_gain_ci_low"] = comparison.interval.low
                    metrics["\(comparison.best).auroc_gain_ci_high"] = comparison.interval.high
                }
                run.metrics("test", metrics)
                run.keyMetric("test", "\(detector.kind).image_auroc")
                let labels = analyses.map { $0.scan.label == "abnormal" }
                if labels.contains(true) && labels.contains(false) {
                    let curves = detector.methods.map { method in
                        let scores = analyses.map { $0.maps[method]!.score }
                        return (label: method.title, color: method.color,
                                points: DetectionMetrics.rocCurve(scores, labels), auroc: metrics["\(method).image_auroc"]!)
                    }
                    artifacts.append(try run.artifact("roc.svg", kind: "chart",
                                                      figure: Rendering.roc(curves, title: "Image-level ROC, run \(run.id) (\(analyses.count) scans)")))
                }
            }
            return Report(runID: run.id, modelRunID: options.modelRunID, results: results, thresholds: thresholds, metrics: metrics,
                          kinds: kinds, comparison: comparison, hasLabels: labelled, hasMasks: masked, seconds: Date().timeIntervalSince(started), artifacts: artifacts)
        }
    }

    /// The run id `--run` names: a number, or `last` for the newest completed training run.
    public static func runID(_ text: String, store: Store) throws -> Int64 {
        if let id = Int64(text) { return id }
        guard text == "last" else { throw AnomalyError("--run must be a run id or 'last', found '\(text)'") }
        guard let id = try store.runs(pipeline: "anomaly", status: .completed, limit: 1).first?.id else { throw AnomalyError("--run last: \(store.path) has no completed 'anomaly train' run") }
        return id
    }

    /// The training run's detector: its network and, from the model card, the scoring settings, thresholds,
    /// intensity baseline and ensemble weights; under `patchcore`, its memory bank (the run's model `memory_bank`).
    static func loadDetector(store: Store, runID: Int64) throws -> (AnomalyPreprocessing, Detector) {
        let trained = try TrainedModel.load(store: store, runID: runID, pipeline: "anomaly")
        let card = try trained.card.preprocessing(as: AnomalyPreprocessing.self, source: "\(store.path): run \(runID) model")
        var patchCore: PatchCore?
        if card.detector == .patchcore {
            let bytes = try DistributedJob.fromRankZero { try store.loadModel(runID: runID, name: PatchCore.modelName).bytes }
            let bank = try MemoryBank.decode(bytes, source: "\(store.path): run \(runID) model '\(PatchCore.modelName)'")
            patchCore = try PatchCore(network: trained.model, settings: card.patchCore ?? PatchCoreSettings(), imageSize: card.scoring.imageSize, bank: bank)
        }
        return (card, Detector(kind: card.detector, settings: card.scoring, model: trained.model, baseline: card.intensityRange, ensemble: card.ensemble,
                               patchCore: patchCore))
    }

    /// Image metrics for every labelled scan set and pixel metrics when every scan has a mask, for every method: over
    /// all scans, and per kind when the scans have kinds. An abnormal kind is scored against every normal scan; a
    /// normal kind (other anatomy) against every abnormal scan.
    static func evaluate(_ analyses: [Detector.Analysis], methods: [Method], thresholds: [Method: MethodThreshold],
                         calibrations: [Method: Calibration], withMasks: Bool) -> [String: Double] {
        var metrics: [String: Double] = [:]
        var subsets: [(prefix: String, analyses: [Detector.Analysis])] = [("", analyses)]
        let kinds = kindCounts(analyses)
        if kinds.count > 2 {
            for (kind, label, _) in kinds {
                subsets.append(("\(kind).", analyses.filter { $0.scan.kind == kind || ($0.scan.label != label && $0.scan.label != nil) }))
            }
        }
        for (prefix, subset) in subsets {
            for method in methods {
                for (name, value) in metricsOf(subset, method: method, threshold: thresholds[method]!, calibration: calibrations[method]!, withMasks: withMasks) {
                    metrics["\(method).\(prefix)\(name)"] = value
                }
            }
        }
        return metrics
    }

    static func metricsOf(_ analyses: [Detector.Analysis], method: Method, threshold: MethodThreshold, calibration: Calibration,
                          withMasks: Bool) -> [String: Double] {
        let labels = analyses.map { $0.scan.label == "abnormal" }
        var metrics: [String: Double] = [:]
        let scores = analyses.map { $0.maps[method]!.score }
        let flagged = scores.map(calibration.isAnomalous)
        metrics["image_auroc"] = DetectionMetrics.auroc(scores, labels)
        metrics["image_auprc"] = DetectionMetrics.averagePrecision(scores, labels)
        metrics["f1"] = DetectionMetrics.f1(predicted: flagged, labels: labels)
        let normals = zip(flagged, labels).filter { !$1 }, abnormals = zip(flagged, labels).filter { $1 }
        if !normals.isEmpty { metrics["normal_flagged"] = Double(normals.filter(\.0).count) / Double(normals.count) }
        if !abnormals.isEmpty { metrics["abnormal_found"] = Double(abnormals.filter(\.0).count) / Double(abnormals.count) }
        guard withMasks else { return metrics }
        // Pixels inside each scan's scoring mask, and lesion pixels outside it (they count as missed).
        var values: [Float] = [], truth: [Bool] = []
        for analysis in analyses {
            let map = analysis.maps[method]!.map, lesion = analysis.scan.truth!
            for index in map.values.indices where analysis.mask.values[index] > 0 || lesion.values[index] > 0 {
                values.append(map.values[index])
                truth.append(lesion.values[index] > 0.5)
            }
        }
        metrics["pixel_auroc"] = DetectionMetrics.auroc(values, truth)
        if truth.contains(true) {
            let pixelThreshold = Float(threshold.pixel)
            metrics["dice"] = DetectionMetrics.dice(predicted: values.map { $0 > pixelThreshold }, truth: truth)
            metrics["best_dice"] = DetectionMetrics.bestDice(values, truth: truth).dice
        }
        return metrics
    }

    /// Each kind with its label and number of scans, abnormal kinds first, each group by name.
    static func kindCounts(_ analyses: [Detector.Analysis]) -> [(kind: String, label: String, count: Int)] {
        var counts: [String: (label: String, count: Int)] = [:]
        for analysis in analyses {
            guard let kind = analysis.scan.kind, let label = analysis.scan.label else { continue }
            counts[kind, default: (label, 0)].count += 1
        }
        return counts.map { (kind: $0.key, label: $0.value.label, count: $0.value.count) }
            .sorted { ($0.label == "abnormal" ? 0 : 1, $0.kind) < ($1.label == "abnormal" ? 0 : 1, $1.kind) }
    }

    /// The `count` scans `method` scores highest, as heat maps framed by their label.
    static func grid(_ analyses: [Detector.Analysis], method: Method, thresholds: [Method: MethodThreshold], count: Int, title: String) -> Figure {
        let ranked = analyses.sorted { $0.maps[method]!.score > $1.maps[method]!.score }.prefix(count)
        let tiles = ranked.map { analysis in
            let frame = analysis.scan.label == "abnormal" ? Color(red: 0.85, green: 0.1, blue: 0.1)
                : analysis.scan.label == "normal" ? Color(red: 0.1, green: 0.65, blue: 0.2) : Color(red: 0.5, green: 0.5, blue: 0.5)
            return (image: Rendering.overlay(scan: analysis.scan.plane, map: analysis.maps[method]!.map,
                                             scale: thresholds[method]!.displayScale, truth: analysis.scan.truth),
                    frame: frame, caption: String(format: "%.4f", analysis.maps[method]!.score))
        }
        return Rendering.grid(tiles, columns: 4, title: title)
    }

    /// The heat maps' file names: each scan's own, prefixed by its folder's name when two scans share a name
    /// (`normal/a.png` and `abnormal/a.png` become `normal_a.png` and `abnormal_a.png`), and by its position when
    /// that still clashes.
    static func heatmapNames(_ paths: [String]) -> [String] {
        func counts(_ names: [String]) -> [String: Int] { names.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
        let plain = paths.map { ($0 as NSString).lastPathComponent }
        let plainCounts = counts(plain)
        let withFolder = paths.indices.map { index in
            plainCounts[plain[index]]! > 1 ? (((paths[index] as NSString).deletingLastPathComponent as NSString).lastPathComponent + "_" + plain[index]) : plain[index]
        }
        let folderCounts = counts(withFolder)
        return paths.indices.map { folderCounts[withFolder[$0]]! > 1 ? "\($0)_" + withFolder[$0] : withFolder[$0] }
    }

    static func csv(_ results: [ScanResult], methods: [Method]) -> String {
        let header = ["path", "label"] + methods.flatMap { ["\($0)_score", "\($0)_calibrated", "\($0)_anomaly"] } + ["heatmap"]
        let rows = results.map { result in
            [result.path, result.label ?? ""] + methods.flatMap { method -> [String] in
                let verdict = result.verdicts[method]!
                return [String(format: "%.6g", verdict.score), String(format: "%.4f", verdict.calibrated), verdict.isAnomaly ? "1" : "0"]
            } + [result.heatmapPath]
        }
        return CSV.write(header: header, rows: rows)
    }
}
