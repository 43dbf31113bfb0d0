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

/// Both methods, ready to score scans: the autoencoder with its settings and the intensity baseline.
struct Detector {
    let settings: ScoringSettings
    let model: Module
    let baseline: IntensityBaseline

    /// What the detector saw in one scan.
    struct Analysis {
        let scan: Scan
        let reconstruction: Plane
        /// The scoring region (brain or body, shrunk at the edge).
        let mask: Plane
        let maps: [Method: AnomalyMap]
    }

    func analyse(_ scans: [Scan]) throws -> [Analysis] {
        return zip(scans, try reconstruct(scans.map(\.plane))).map { scan, reconstruction in
            let mask = settings.mask(scan.plane)
            return Analysis(scan: scan, reconstruction: reconstruction.map { min(1, max(0, $0)) }, mask: mask, maps: [
                .autoencoder: settings.finish(settings.residual(scan.plane, reconstruction), mask: mask),
                .intensity: settings.finish(baseline.raw(scan.plane), mask: mask),
            ])
        }
    }

    /// The autoencoder's reconstructions of scans of one size, 32 at a time, split over the processes under `mpirun`.
    private func reconstruct(_ scans: [Plane]) throws -> [Plane] {
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
            try Method.allCases.map { method in
                let map = analysis.maps[method]!, calibration = calibrations[method]!
                let verdict = AnomalyScoring.Verdict(score: map.score, calibration: calibration)
                let heatmap = Rendering.overlay(scan: analysis.scan.plane, map: map.map, scale: thresholds[method]!.displayScale, truth: analysis.scan.truth)
                return AnomalyTables.Row(method: method, path: analysis.scan.path, score: map.score, calibrated: verdict.calibrated,
                                         threshold: calibration.threshold, isAnomaly: verdict.isAnomaly, label: analysis.scan.label,
                                         heatmap: try PNG.encode(heatmap, path: analysis.scan.path))
            }
        }
    }

    /// The picture of one scan: the scan, the reconstruction, and each method's heat map over the scan.
    static func panel(_ analysis: Analysis, thresholds: [Method: MethodThreshold]) -> [PNGImage] {
        [analysis.scan.plane.grayImage, analysis.reconstruction.grayImage] + Method.allCases.map { method in
            Rendering.overlay(scan: analysis.scan.plane, map: analysis.maps[method]!.map, scale: thresholds[method]!.displayScale,
                              truth: analysis.scan.truth)
        }
    }
}

/// A model file's autoencoder at the run's image size: input [1, S, S], and an output of the same shape.
enum AutoencoderSpec {
    /// What the autoencoder must be: gray scans in, trained with a reconstruction loss. Its output shape depends on
    /// the image size, so `build` checks it.
    static let requirements = PipelineRequirements(
        pipeline: "anomaly", input: ["1", "height", "width"], layers: [.dense, .image, .normalization], lastLayer: nil,
        losses: [.mse, .l1, .huber], targets: "it reconstructs the scan")

    static func build(_ pipeline: PipelineSpec, imageSize: Int, seed: UInt64) throws -> BuiltModel {
        try requirements.check(pipeline)
        let input = [1, imageSize, imageSize]
        let built = try ModelBuilder.build(pipeline, input: input, seed: seed)
        guard built.outputShape == input else {
            throw FormatError(path: pipeline.file, line: pipeline.model.layers.last?.line,
                              "an autoencoder must reconstruct its input: at --image-size \(imageSize) the model maps \(input) to \(built.outputShape)")
        }
        return built
    }
}
