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

/// The methods a run reports side by side, in report order: its learned detector, the intensity baseline, their
/// ensemble.
public enum Method: String, CaseIterable, Codable, Sendable, Comparable {
    /// The convolutional autoencoder from the pipeline file: reconstruction error.
    case autoencoder
    /// The segmentation network trained on synthetic anomalies (`SyntheticAnomalies`): its anomaly probability.
    case draem
    /// The distance of each patch's features to the nearest normal patch in a memory bank (PatchCore).
    case patchcore
    /// The baseline: how far each pixel's intensity lies outside the range of normal intensities.
    case intensity
    /// The learned map and the intensity map added, each scaled by its own spread on held-out normal scans.
    case ensemble

    public static func < (a: Method, b: Method) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// The learned detector a run trains: `--detector`, or `detector:` in the pipeline file.
public enum LearnedDetector: String, CaseIterable, Codable, Sendable {
    /// A denoising autoencoder; the map is its reconstruction error (Kascenas et al. 2022).
    case autoencoder
    /// A discriminative segmentation network trained on normal scans with synthetic anomalies pasted in, in the style
    /// of DRAEM (Zavrtanik et al., ICCV 2021) and Foreign Patch Interpolation (Tan et al. 2020, the MOOD brain-MRI
    /// challenge): the map is its per-pixel anomaly probability. Its anomalies (`SyntheticAnomalies`) are not the
    /// evaluation set's lesions, and cannot be: their generator is in another target that this one cannot import.
    case draem
    /// A memory bank of normal patch features from the denoising autoencoder's encoder, thinned by greedy coreset
    /// selection; the map is each patch's distance to its nearest normal patch (PatchCore, Roth et al., CVPR 2022).
    /// See `PatchCore`.
    case patchcore

    var method: Method {
        switch self {
        case .autoencoder: return .autoencoder
        case .draem: return .draem
        case .patchcore: return .patchcore
        }
    }
}

/// The ensemble of a learned map and the intensity map: each is divided by its `pixelQuantile` value on held-out
/// normal scans, then the two are added. Only normal scans set the weights, so nothing about lesions is tuned; a
/// pixel that is unusual for both methods adds up.
public struct EnsembleWeights: Codable, Equatable, Sendable {
    public let learned: Double
    public let intensity: Double

    /// Weights from held-out normal maps (values inside the scoring masks): 1 / their quantile, or 1 / their maximum
    /// when the quantile is 0 (the intensity map is 0 on most normal pixels), or 1000 when every value is 0.
    static func fit(learned: [Float], intensity: [Float], quantile: Double) -> EnsembleWeights {
        func weight(_ values: [Float]) -> Double {
            let sorted = values.sorted()
            guard let largest = sorted.last, largest > 0 else { return 1000 }
            let spread = Statistics.quantile(sorted, quantile)
            return 1 / (spread > 0 ? spread : Double(largest))
        }
        return EnsembleWeights(learned: weight(learned), intensity: weight(intensity))
    }

    func combine(learned: Plane, intensity: Plane) -> Plane {
        learned.zipWith(intensity) { Float(self.learned) * $0 + Float(self.intensity) * $1 }
    }
}

extension ScoringSettings {
    /// Masks a raw per-pixel map to the scan's scoring region, smooths it, and scores it by its top values.
    func finish(_ raw: Plane, mask: Plane) -> AnomalyMap {
        score(raw.zipWith(mask, *).blurred(sigma: smoothing).zipWith(mask, *), mask: mask)
    }

    /// A finished map with its image score: the mean of its top `topFraction` values inside the mask.
    func score(_ map: Plane, mask: Plane) -> AnomalyMap {
        let inside = zip(map.values, mask.values).filter { $1 > 0 }.map(\.0)
        let values = inside.isEmpty ? map.values : inside
        let count = max(1, Int((Double(values.count) * topFraction).rounded()))
        let top = values.sorted(by: >).prefix(count)
        return AnomalyMap(map: map, score: Double(top.reduce(0, +)) / Double(count))
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
