import Foundation
import Plexus

/// A synthetic lesion painted into a normal slice, as listed in the data set's manifest.
public struct Lesion: Sendable {
    public enum Kind: String, Sendable { case bright, dark }

    public let kind: Kind
    public let centerX: Int
    public let centerY: Int
    /// Mean radius in pixels of the slice it is painted in.
    public let radius: Double
    /// Bright: intensity added at the centre; dark: share of the intensity removed.
    public let contrast: Double
    /// Strength of the multiplicative noise inside the lesion (0 = uniform).
    public let texture: Double
    /// Width of the soft edge in pixels (1 = sharp, 3 = diffuse, in a 128-pixel slice).
    public let edge: Double
}

/// Paints lesions of varied size, shape, intensity and texture into brain slices, with their masks.
///
/// The lesions are synthetic: they stand in for real pathology (tumours, MS plaques, infarcts) so that a
/// detector trained on normal anatomy can be scored where the truth is known pixel by pixel. Each lesion is an
/// ellipse whose outline is perturbed by low harmonics (blobs, not circles), with a soft edge, either brighter
/// than the tissue (like hyperintensities) or darker (like necrosis or T1 "black holes"), and a noise texture.
public struct LesionSynthesizer {
    /// Pixels brighter than this are tissue; a lesion's centre sits on tissue.
    public var tissueLevel: Float = 0.3
    /// Radii in pixels of a 128-pixel slice (5-14 px ≈ 7-20 mm there), scaled with the slice's width.
    public var radius: ClosedRange<Double> = 5...14
    public var brightContrast: ClosedRange<Double> = 0.2...0.45
    public var darkContrast: ClosedRange<Double> = 0.4...0.85

    public init() {}

    /// The slice with one or two lesions and their 0/1 mask, or nil when the slice has no room for one. Lesions stay
    /// inside `brain` (a 0/1 mask) and on tissue (no intensity is added to empty pixels).
    public func paint(_ scan: Plane, brain: Plane, rng: inout RandomGenerator) -> (scan: Plane, mask: Plane, lesions: [Lesion])? {
        let depth = brain.distanceInside()
        let region = brain.zipWith(scan) { $0 > 0.5 && $1 > 0.02 ? 1 : 0 }
        let scale = Double(scan.width) / 128
        var result = scan
        var weights = Plane(width: scan.width, height: scan.height)
        var lesions: [Lesion] = []
        let count = rng.nextFloat() < 0.2 ? 2 : 1
        for _ in 0..<count {
            // Log-uniform radius: as many small lesions as large ones.
            let radius = exp(uniform(log(self.radius.lowerBound)...log(self.radius.upperBound), &rng)) * scale
            let candidates = scan.values.indices.filter { scan.values[$0] > tissueLevel && Double(depth[$0]) >= radius + 2 }
            guard !candidates.isEmpty else { continue }
            let center = candidates[Int(rng.next() % UInt64(candidates.count))]
            let kind: Lesion.Kind = rng.nextFloat() < 0.5 ? .bright : .dark
            let lesion = Lesion(kind: kind, centerX: center % scan.width, centerY: center / scan.width, radius: radius,
                                contrast: uniform(kind == .bright ? brightContrast : darkContrast, &rng),
                                texture: uniform(0...0.6, &rng), edge: uniform(1...3, &rng) * scale)
            let shape = footprint(lesion, region: region, rng: &rng)
            let noise = texture(width: scan.width, height: scan.height, scale: scale, rng: &rng)
            for index in result.values.indices where shape.values[index] > 0 {
                let w = shape.values[index]
                let modulation = Float(max(0, 1 + lesion.texture * Double(noise.values[index])))
                let old = result.values[index]
                switch kind {
                case .bright: result.values[index] = min(1, old + w * Float(lesion.contrast) * modulation)
                case .dark: result.values[index] = old * max(0, 1 - w * Float(lesion.contrast) * modulation)
                }
                weights.values[index] = max(weights.values[index], w)
            }
            lesions.append(lesion)
        }
        guard !lesions.isEmpty else { return nil }
        return (result, weights.map { $0 >= 0.5 ? 1 : 0 }, lesions)
    }

    /// The lesion's soft footprint in 0...1, limited to `region`: a rotated ellipse (axis ratio up to 2) whose
    /// outline radius varies with angle by harmonics 2 to 4.
    private func footprint(_ lesion: Lesion, region brain: Plane, rng: inout RandomGenerator) -> Plane {
        let stretch = exp(uniform(-0.35...0.35, &rng))
        let (a, b) = (lesion.radius * stretch, lesion.radius / stretch)
        let angle = uniform(0...Double.pi, &rng)
        let harmonics = (2...4).map { order in (order: Double(order), amplitude: uniform(0...0.12, &rng), phase: uniform(0...(2 * Double.pi), &rng)) }
        var plane = Plane(width: brain.width, height: brain.height)
        let reach = Int((lesion.radius * 1.6 + lesion.edge).rounded(.up))
        for y in max(0, lesion.centerY - reach)...min(brain.height - 1, lesion.centerY + reach) {
            for x in max(0, lesion.centerX - reach)...min(brain.width - 1, lesion.centerX + reach) where brain[x, y] > 0.5 {
                let (dx, dy) = (Double(x - lesion.centerX), Double(y - lesion.centerY))
                let u = (dx * cos(angle) + dy * sin(angle)) / a, v = (-dx * sin(angle) + dy * cos(angle)) / b
                let rho = (u * u + v * v).squareRoot(), phi = atan2(v, u)
                let outline = 1 + harmonics.reduce(0) { $0 + $1.amplitude * cos($1.order * phi + $1.phase) }
                plane[x, y] = Float(min(1, max(0, (outline - rho) * lesion.radius / lesion.edge + 0.5)))
            }
        }
        return plane
    }

    /// Smooth noise with unit standard deviation: white noise blurred at a random scale of 1 to 2.5 pixels (of a
    /// 128-pixel slice, times `scale`).
    private func texture(width: Int, height: Int, scale: Double, rng: inout RandomGenerator) -> Plane {
        let white = Plane(width: width, height: height, values: (0..<width * height).map { _ in rng.nextNormal() })
        let smooth = white.blurred(sigma: uniform(1...2.5, &rng) * scale)
        let mean = smooth.values.reduce(0, +) / Float(smooth.values.count)
        let std = (smooth.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(smooth.values.count)).squareRoot()
        return smooth.map { ($0 - mean) / max(std, 1e-6) }
    }

    private func uniform(_ range: ClosedRange<Double>, _ rng: inout RandomGenerator) -> Double {
        range.lowerBound + Double(rng.nextFloat()) * (range.upperBound - range.lowerBound)
    }
}
