import Foundation
import PlexusKit

/// How a per-pixel difference becomes an anomaly map and an image score. Chosen at training, recorded in the
/// run's config, and reused unchanged by `anomaly score`.
public struct ScoringSettings: Codable, Equatable, Sendable {
    /// The per-pixel reconstruction error of the autoencoder.
    public enum Residual: String, Codable, CaseIterable, Sendable {
        /// |x − x̂|, the usual choice for brain MRI (Baur et al.).
        case l1
        /// (x − x̂)², which favours large differences over many small ones.
        case l2
        /// (1 − SSIM) / 2 over 11×11 Gaussian windows: differences of local structure and contrast, not only intensity.
        case ssim
    }

    public var imageSize = 128
    public var residual = Residual.l1
    /// Standard deviation (pixels) of the Gaussian that smooths every map: single-pixel noise is not a lesion.
    public var smoothing = 2.0
    /// The image score is the mean of this share of the highest map values inside the scoring mask.
    public var topFraction = 0.01
    /// Intensity above which a pixel belongs to the brain or body (see `ScanMask`).
    public var maskLevel: Float = 0.05
    /// The mask is shrunk by this many pixels so that the outline of the head does not dominate.
    public var maskErosion = 3.0
    /// Share of normal held-out pixels below the pixel threshold (that marks lesions for the Dice score).
    public var pixelQuantile = 0.999

    public init() {}

    enum CodingKeys: String, CodingKey {
        case imageSize = "image_size", residual, smoothing, topFraction = "top_fraction", maskLevel = "mask_level"
        case maskErosion = "mask_erosion", pixelQuantile = "pixel_quantile"
    }
}

/// A scan's anomaly map (zero outside the scoring mask) and image score, from one method.
public struct AnomalyMap: Sendable {
    public let map: Plane
    public let score: Double
}

/// The two methods every run reports side by side.
public enum Method: String, CaseIterable, Codable, Sendable {
    /// The convolutional autoencoder from the pipeline file: reconstruction error.
    case autoencoder
    /// The baseline: how far each pixel's intensity lies outside the range of normal intensities.
    case intensity
}

extension ScoringSettings {
    /// Masks a raw per-pixel map to the scan's scoring region, smooths it, and scores it by its top values.
    func finish(_ raw: Plane, mask: Plane) -> AnomalyMap {
        let smooth = raw.zipWith(mask, *).blurred(sigma: smoothing).zipWith(mask, *)
        let inside = zip(smooth.values, mask.values).filter { $1 > 0 }.map(\.0)
        let values = inside.isEmpty ? smooth.values : inside
        let count = max(1, Int((Double(values.count) * topFraction).rounded()))
        let top = values.sorted(by: >).prefix(count)
        return AnomalyMap(map: smooth, score: Double(top.reduce(0, +)) / Double(count))
    }

    func mask(_ scan: Plane) -> Plane {
        ScanMask.scoring(scan, level: maskLevel, erosion: maskErosion)
    }

    /// The raw per-pixel reconstruction error.
    func residual(_ scan: Plane, _ reconstruction: Plane) -> Plane {
        switch residual {
        case .l1: return scan.zipWith(reconstruction) { abs($0 - $1) }
        case .l2: return scan.zipWith(reconstruction) { ($0 - $1) * ($0 - $1) }
        case .ssim: return StructuralSimilarity.map(scan, reconstruction).map { (1 - $0) / 2 }
        }
    }
}

/// Local SSIM (Wang et al. 2004) with the standard 11×11 Gaussian window (σ 1.5) and constants for values in 0...1.
enum StructuralSimilarity {
    static func map(_ a: Plane, _ b: Plane, sigma: Double = 1.5) -> Plane {
        let (c1, c2): (Float, Float) = (0.01 * 0.01, 0.03 * 0.03)
        let meanA = a.blurred(sigma: sigma), meanB = b.blurred(sigma: sigma)
        let meanAA = a.zipWith(a, *).blurred(sigma: sigma), meanBB = b.zipWith(b, *).blurred(sigma: sigma)
        let meanAB = a.zipWith(b, *).blurred(sigma: sigma)
        var values = [Float](repeating: 0, count: a.values.count)
        for i in values.indices {
            let (ma, mb) = (meanA.values[i], meanB.values[i])
            let varianceA = meanAA.values[i] - ma * ma, varianceB = meanBB.values[i] - mb * mb, covariance = meanAB.values[i] - ma * mb
            values[i] = ((2 * ma * mb + c1) * (2 * covariance + c2)) / ((ma * ma + mb * mb + c1) * (varianceA + varianceB + c2))
        }
        return Plane(width: a.width, height: a.height, values: values)
    }
}

/// The baseline that a learned model must beat: a plain intensity threshold. On brain MRI it beat every learned
/// model of one comparison (Meissen et al. 2021), because many lesions are simply brighter (or darker) than any
/// normal tissue. The normal range is learned from the training scans' pixels inside their masks; a pixel scores
/// how far it lies outside that range, and 0 inside it.
public struct IntensityBaseline: Codable, Equatable, Sendable {
    public let low: Float
    public let high: Float
    /// Share of normal pixels left below `low` and, again, above `high`.
    public let tailQuantile: Double

    enum CodingKeys: String, CodingKey { case low, high, tailQuantile = "tail_quantile" }

    public static func fit(_ scans: [Plane], masks: [Plane], tailQuantile: Double = 0.001) -> IntensityBaseline {
        var values: [Float] = []
        for (scan, mask) in zip(scans, masks) {
            values += zip(scan.values, mask.values).filter { $1 > 0 }.map(\.0)
        }
        values.sort()
        guard !values.isEmpty else { return IntensityBaseline(low: 0, high: 1, tailQuantile: tailQuantile) }
        return IntensityBaseline(low: Float(Statistics.quantile(values, tailQuantile)), high: Float(Statistics.quantile(values, 1 - tailQuantile)),
                                 tailQuantile: tailQuantile)
    }

    public func raw(_ scan: Plane) -> Plane {
        scan.map { max(0, $0 - high) + max(0, low - $0) }
    }
}
