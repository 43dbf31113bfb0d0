import AnomalyPipeline
import Foundation
import Plexus

/// The kinds of synthetic lesion in the evaluation set, each harder than a uniform blob in its own way.
public enum LesionKind: String, CaseIterable, Sendable {
    /// A textured interior, a bright rim round a dark necrotic core, a soft irregular border (like a glioblastoma
    /// on post-contrast T1).
    case heterogeneous
    /// A lesion that pushes the tissue round it aside: a smooth radial displacement field deforms the anatomy
    /// for several pixels beyond the lesion. The mask covers the lesion only; the displaced tissue round it is normal
    /// tissue, and counts as normal in the pixel metrics.
    case massEffect = "mass-effect"
    /// A lesion in white matter at about grey-matter intensity: inside the normal intensity range.
    case lowContrast = "low-contrast"
    /// A lesion centred on a tissue boundary, one value across white matter, grey matter and fluid.
    case boundary
}

/// A lesion as listed in the data set's manifest.
public struct Lesion: Sendable {
    public let kind: LesionKind
    public let centerX: Int
    public let centerY: Int
    /// Mean radius in pixels of the slice it is painted in.
    public let radius: Double
    /// The intensity change at the lesion's strongest point (rim for heterogeneous lesions), in 0...1 units.
    public let contrast: Double
}

/// Paints one lesion of a given kind into a brain slice, with its mask. The lesions are synthetic: they stand in for
/// real pathology so that a detector trained on normal anatomy can be scored where the truth is known pixel by pixel.
/// Sizes are in pixels of a 128-pixel slice and scale with the slice's width.
public struct LesionSynthesizer {
    /// Pixels brighter than this are tissue.
    public var tissueLevel: Float = 0.3

    public init() {}

    public func paint(_ kind: LesionKind, into scan: Plane, brain: Plane, rng: inout RandomGenerator) -> (scan: Plane, mask: Plane, lesion: Lesion)? {
        let scale = Double(scan.width) / 128
        let depth = brain.distanceInside()
        let tissue = scan.values.filter { $0 > tissueLevel }.sorted()
        guard tissue.count > 20 else { return nil }
        // White matter is the brightest tissue of a T1 slice, grey matter the middle of the tissue range.
        let whiteMatter = tissue[Int(Double(tissue.count - 1) * 0.75)], greyMatter = tissue[Int(Double(tissue.count - 1) * 0.3)]
        let radiusRange: ClosedRange<Double> = kind == .lowContrast ? 5...10 : kind == .boundary ? 5...11 : 7...14
        let radius = exp(uniform(log(radiusRange.lowerBound)...log(radiusRange.upperBound), &rng)) * scale
        let candidates = scan.values.indices.filter { index in
            guard Double(depth[index]) >= radius + 2 * scale else { return false }
            switch kind {
            case .lowContrast: return scan.values[index] >= whiteMatter
            case .boundary: return edgeStrength(scan, at: index) > 0.12
            case .heterogeneous, .massEffect: return scan.values[index] > tissueLevel
            }
        }
        guard !candidates.isEmpty else { return nil }
        let center = candidates[Int(rng.next() % UInt64(candidates.count))]
        let (cx, cy) = (center % scan.width, center / scan.width)
        let region = brain.zipWith(scan) { $0 > 0.5 && $1 > 0.02 ? 1 : 0 }
        let irregularity = kind == .heterogeneous || kind == .massEffect ? 0.2 : 0.1
        let edge = uniform(kind == .lowContrast ? 2...4 : 1.5...3, &rng) * scale
        let shape = footprint(cx, cy, radius: radius, edge: edge, irregularity: irregularity, region: region, rng: &rng)
        let noise = Plane.smoothNoise(width: scan.width, height: scan.height, sigma: uniform(1...2, &rng) * scale, rng: &rng)

        var base = scan
        if kind == .massEffect { base = displaced(scan, cx, cy, radius: radius, brain: brain, rng: &rng) }
        var result = base
        let contrast: Double
        switch kind {
        case .heterogeneous, .massEffect:
            // Core: the inner 40-65% of the radius, losing 40-80% of its intensity; rim: +0.15…0.3.
            let core = footprint(cx, cy, radius: radius * uniform(0.4...0.65, &rng), edge: edge, irregularity: irregularity, region: region, rng: &rng)
            let (rim, necrosis, texture) = (uniform(0.15...0.3, &rng), uniform(0.4...0.8, &rng), uniform(0.15...0.35, &rng))
            contrast = rim
            for i in result.values.indices where shape.values[i] > 0 {
                let modulation = Float(max(0, 1 + texture * Double(noise.values[i])))
                let ring = max(0, shape.values[i] - core.values[i])
                let old = base.values[i]
                result.values[i] = min(1, max(0, old * (1 - Float(necrosis) * core.values[i] * modulation) + Float(rim) * ring * modulation))
            }
        case .lowContrast:
            // Towards grey-matter level (±0.03), with a faint texture: every value stays inside the normal range.
            let target = greyMatter + Float(uniform(-0.03...0.03, &rng))
            contrast = Double(whiteMatter - target)
            for i in result.values.indices where shape.values[i] > 0 {
                let value = target * (1 + 0.05 * noise.values[i])
                result.values[i] += shape.values[i] * (value - result.values[i])
            }
        case .boundary:
            // One value between grey matter and fluid, drawn across every tissue the lesion covers.
            let target = Float(uniform(0.3...0.55, &rng)) * whiteMatter / 0.7
            contrast = Double(whiteMatter - target)
            for i in result.values.indices where shape.values[i] > 0 {
                let value = target * (1 + 0.1 * noise.values[i])
                result.values[i] += shape.values[i] * (value - result.values[i])
            }
        }
        let lesion = Lesion(kind: kind, centerX: cx, centerY: cy, radius: radius, contrast: contrast)
        return (result, shape.map { $0 >= 0.5 ? 1 : 0 }, lesion)
    }

    /// How strongly the slice's intensity changes at a pixel: the gradient magnitude, per pixel of a 128-pixel slice.
    private func edgeStrength(_ scan: Plane, at index: Int) -> Float {
        let (x, y) = (index % scan.width, index / scan.width)
        guard x > 0, y > 0, x < scan.width - 1, y < scan.height - 1 else { return 0 }
        let gx = scan[x + 1, y] - scan[x - 1, y], gy = scan[x, y + 1] - scan[x, y - 1]
        return (gx * gx + gy * gy).squareRoot() / 2 * Float(scan.width) / 128
    }

    /// The slice with the tissue round (cx, cy) pushed outwards: a radial displacement that peaks at 3-6 px (of a
    /// 128-pixel slice) a little outside the lesion's radius and fades smoothly, kept to the brain. The largest
    /// slope stays below 1, so the mapping folds nothing over.
    private func displaced(_ scan: Plane, _ cx: Int, _ cy: Int, radius: Double, brain: Plane, rng: inout RandomGenerator) -> Plane {
        let scale = Double(scan.width) / 128
        let reach = radius + uniform(4...10, &rng) * scale
        let amplitude = min(uniform(3...6, &rng) * scale, reach / 2)
        let depth = brain.distanceInside()
        var result = scan
        for y in 0..<scan.height {
            for x in 0..<scan.width where brain[x, y] > 0.5 {
                let (dx, dy) = (Double(x - cx), Double(y - cy))
                let r = (dx * dx + dy * dy).squareRoot()
                guard r > 1e-6, r < reach * 3 else { continue }
                // Peaks at r = reach with `amplitude`; near the brain's edge it fades over 4 px so the outline stays.
                let push = amplitude * (r / reach) * exp(0.5 - r * r / (2 * reach * reach)) * min(1, Double(depth[y * scan.width + x]) / (4 * scale))
                result[x, y] = scan.sampled(Float(Double(x) - push * dx / r), Float(Double(y) - push * dy / r))
            }
        }
        return result
    }

    /// A soft footprint in 0...1 limited to `region`: a rotated ellipse (axis ratio up to 1.5) whose outline varies
    /// with angle by harmonics 2 to 5 of relative amplitude up to `irregularity`.
    private func footprint(_ cx: Int, _ cy: Int, radius: Double, edge: Double, irregularity: Double, region: Plane,
                           rng: inout RandomGenerator) -> Plane {
        let stretch = exp(uniform(-0.2...0.2, &rng))
        let (a, b) = (radius * stretch, radius / stretch)
        let angle = uniform(0...Double.pi, &rng)
        let harmonics = (2...5).map { order in (order: Double(order), amplitude: uniform(0...irregularity, &rng), phase: uniform(0...(2 * Double.pi), &rng)) }
        var plane = Plane(width: region.width, height: region.height)
        let reach = Int((radius * 1.5 * (1 + 4 * irregularity) + edge).rounded(.up))
        for y in max(0, cy - reach)...min(region.height - 1, cy + reach) {
            for x in max(0, cx - reach)...min(region.width - 1, cx + reach) where region[x, y] > 0.5 {
                let (dx, dy) = (Double(x - cx), Double(y - cy))
                let u = (dx * cos(angle) + dy * sin(angle)) / a, v = (-dx * sin(angle) + dy * cos(angle)) / b
                let rho = (u * u + v * v).squareRoot(), phi = atan2(v, u)
                let outline = 1 + harmonics.reduce(0) { $0 + $1.amplitude * cos($1.order * phi + $1.phase) }
                plane[x, y] = Float(min(1, max(0, (outline - rho) * radius / edge + 0.5)))
            }
        }
        return plane
    }
}

/// Normal anatomy the training set never shows, for the normal side of the test set.
public enum OtherAnatomy {
    /// A slice as if from another head: a smooth random deformation (up to about 4 px of a 128-pixel slice, over
    /// scales of 20 px), a smooth multiplicative bias field of ±8% like a scanner's coil inhomogeneity, and a
    /// slightly different contrast (gamma 0.9-1.1). The background stays black.
    public static func otherSubject(_ scan: Plane, rng: inout RandomGenerator) -> Plane {
        let (width, height) = (scan.width, scan.height)
        let scale = Float(width) / 128
        let sigma = 20 * Double(scale)
        let (fieldX, fieldY) = (Plane.smoothNoise(width: width, height: height, sigma: sigma, rng: &rng),
                                Plane.smoothNoise(width: width, height: height, sigma: sigma, rng: &rng))
        let bias = Plane.smoothNoise(width: width, height: height, sigma: sigma * 1.5, rng: &rng)
        let gamma = 0.9 + 0.2 * rng.nextFloat()
        var result = scan
        for y in 0..<height {
            for x in 0..<width {
                let index = y * width + x
                let value = scan.sampled(Float(x) + 2 * scale * fieldX.values[index], Float(y) + 2 * scale * fieldY.values[index])
                result.values[index] = min(1, pow(value, gamma) * (1 + 0.04 * bias.values[index]))
            }
        }
        return result
    }
}

func uniform(_ range: ClosedRange<Double>, _ rng: inout RandomGenerator) -> Double {
    range.lowerBound + Double(rng.nextFloat()) * (range.upperBound - range.lowerBound)
}
