import Foundation
import Plexus
import PlexusFormats
import PlexusKit

/// A method's thresholds, chosen on held-out normal scans only, as recorded in the training run's config.
public struct MethodThreshold: Codable, Sendable {
    /// Scans scoring above this are flagged.
    public let image: Double
    /// The quantile of held-out normal scores that `image` is.
    public let quantile: Double
    /// Pixels whose map value is above this are marked as lesion (for Dice).
    public let pixel: Double
    public let pixelQuantile: Double
    public let heldOutScans: Int
    /// How the thresholds were chosen, in words, for the config and the report.
    public let rule: String

    enum CodingKeys: String, CodingKey {
        case image, quantile, pixel, pixelQuantile = "pixel_quantile", heldOutScans = "held_out_scans", rule
    }

    /// Map values are drawn on a scale where the pixel threshold sits half-way (see `Rendering`); a method whose
    /// pixel threshold is 0 (any positive value is outside the normal range) shows every positive value at full colour.
    var displayScale: Double { pixel > 0 ? 2 * pixel : 1e-3 }
}

/// A run's methods, ready to score scans: its learned detector, the intensity baseline and, once fitted, their
/// ensemble.
struct Detector {
    let kind: LearnedDetector
    let settings: ScoringSettings
    let model: Module
    let baseline: IntensityBaseline
    /// Nil while the run is being trained, until the weights are fitted on held-out normal scans.
    var ensemble: EnsembleWeights?
    /// The `patchcore` detector's features and memory bank over `model`'s encoder; nil for another detector.
    var patchCore: PatchCore?

    /// The methods this detector reports, learned first.
    var methods: [Method] { [kind.method, .intensity] + (ensemble == nil ? [] : [.ensemble]) }

    /// What the detector saw in one scan.
    struct Analysis {
        let scan: Scan
        /// The network's output: the autoencoder's reconstruction (also under `patchcore`), or the segmentation
        /// network's anomaly probability.
        let output: Plane
        /// The scoring region (brain or body, shrunk at the edge).
        let mask: Plane
        let maps: [Method: AnomalyMap]
    }

    func analyse(_ scans: [Scan]) throws -> [Analysis] {
        let masks = scans.map { settings.mask($0.plane) }
        let patchMaps = patchCore?.maps(scans.map(\.plane), masks: masks)
        let predictions = try predict(scans.map(\.plane))
        return scans.indices.map { index in
            let (scan, mask, prediction) = (scans[index], masks[index], predictions[index])
            // The autoencoder's map is its reconstruction error; the segmentation network's, its anomaly probability;
            // PatchCore's, the distance to the nearest normal patch.
            let output = kind == .draem ? prediction.map { 1 / (1 + exp(-$0)) } : prediction.map { min(1, max(0, $0)) }
            let raw: Plane
            switch kind {
            case .autoencoder: raw = settings.residual(scan.plane, prediction)
            case .draem: raw = output
            case .patchcore: raw = patchMaps![index]
            }
            var maps: [Method: AnomalyMap] = [kind.method: settings.finish(raw, mask: mask), .intensity: settings.finish(baseline.raw(scan.plane), mask: mask)]
            if let ensemble {
                maps[.ensemble] = settings.score(ensemble.combine(learned: maps[kind.method]!.map, intensity: maps[.intensity]!.map), mask: mask)
            }
            return Analysis(scan: scan, output: output, mask: mask, maps: maps)
        }
    }

    /// The network's outputs for scans of one size, 32 at a time, split over the processes under `mpirun`.
    private func predict(_ scans: [Plane]) throws -> [Plane] {
        guard let first = scans.first else { return [] }
        let (width, height) = (first.width, first.height)
        let inputs = Tensor(shape: [scans.count, 1, height, width], scalars: scans.flatMap(\.values))
        let output = try model.predictAcrossProcesses(inputs, batchSize: 32).scalars
        return scans.indices.map { Plane(width: width, height: height, values: Array(output[$0 * width * height..<($0 + 1) * width * height])) }
    }

    /// The thresholds of `method` from held-out normal analyses: the image threshold of their scores' `calibration`,
    /// and the `settings.pixelQuantile` of their map values inside the scoring masks.
    func threshold(_ method: Method, heldOut: [Analysis], calibration: Calibration) -> MethodThreshold {
        let quantile = calibration.quantile
        var pixels: [Float] = []
        for analysis in heldOut {
            pixels += zip(analysis.maps[method]!.map.values, analysis.mask.values).filter { $1 > 0 }.map(\.0)
        }
        pixels.sort()
        let pixel = pixels.isEmpty ? 0 : Statistics.quantile(pixels, settings.pixelQuantile)
        return MethodThreshold(image: calibration.threshold, quantile: quantile, pixel: pixel, pixelQuantile: settings.pixelQuantile,
                               heldOutScans: heldOut.count,
                               rule: "image: the \(quantile) quantile of the scores of \(heldOut.count) held-out normal scans; "
                                   + "pixel: the \(settings.pixelQuantile) quantile of their map values inside the scoring mask")
    }

    /// The `anomaly_scores` rows of `analyses`, each with its heat map over the scan.
    static func rows(_ analyses: [Analysis], thresholds: [Method: MethodThreshold], calibrations: [Method: Calibration]) throws -> [AnomalyTables.Row] {
        try analyses.flatMap { analysis in
            try thresholds.keys.sorted().map { method in
                let map = analysis.maps[method]!, calibration = calibrations[method]!
                let verdict = AnomalyScoring.Verdict(score: map.score, calibration: calibration)
                let heatmap = Rendering.overlay(scan: analysis.scan.plane, map: map.map, scale: thresholds[method]!.displayScale, truth: analysis.scan.truth)
                return AnomalyTables.Row(method: method, path: analysis.scan.path, score: map.score, calibrated: verdict.calibrated,
                                         threshold: calibration.threshold, isAnomaly: verdict.isAnomaly, label: analysis.scan.label,
                                         heatmap: try PNG.encode(heatmap, path: analysis.scan.path))
            }
        }
    }

    /// The picture of one scan: the scan, the network's output, and each method's heat map over the scan.
    static func panel(_ analysis: Analysis, thresholds: [Method: MethodThreshold]) -> [PNGImage] {
        [analysis.scan.plane.grayImage, analysis.output.grayImage] + thresholds.keys.sorted().map { method in
            Rendering.overlay(scan: analysis.scan.plane, map: analysis.maps[method]!.map, scale: thresholds[method]!.displayScale,
                              truth: analysis.scan.truth)
        }
    }
}

/// A pipeline file's network at the run's image size: input [1, S, S] and an output of the same shape, either a
/// reconstruction (the autoencoder) or per-pixel anomaly logits (the segmentation network).
enum DetectorSpec {
    static func requirements(_ kind: LearnedDetector) -> PipelineRequirements {
        switch kind {
        case .autoencoder, .patchcore:
            return PipelineRequirements(pipeline: "anomaly", input: ["1", "height", "width"], layers: [.dense, .image, .normalization], lastLayer: nil,
                                        losses: [.mse, .l1, .huber], targets: "it reconstructs the scan")
        case .draem:
            return PipelineRequirements(pipeline: "anomaly", input: ["1", "height", "width"], layers: [.dense, .image, .normalization], lastLayer: nil,
                                        losses: [.bceWithLogits], targets: "it segments synthetic anomalies (per-pixel logits)")
        }
    }

    /// The built-in pipeline file of each detector.
    static func builtinFile(_ kind: LearnedDetector) -> String { kind == .autoencoder ? "anomaly.yml" : "anomaly-\(kind).yml" }

    static func build(_ kind: LearnedDetector, _ pipeline: PipelineSpec, imageSize: Int, seed: UInt64) throws -> BuiltModel {
        try requirements(kind).check(pipeline)
        let input = [1, imageSize, imageSize]
        let built = try ModelBuilder.build(pipeline, input: input, seed: seed)
        guard built.outputShape == input else {
            throw FormatError(path: pipeline.file, line: pipeline.model.layers.last?.line,
                              (kind == .draem ? "a draem network must give one logit per pixel" : "an autoencoder must reconstruct its input")
                              + ": at --image-size \(imageSize) the model maps \(input) to \(built.outputShape)")
        }
        return built
    }
}
