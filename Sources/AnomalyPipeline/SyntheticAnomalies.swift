import Foundation
import Plexus

/// The anomalies the `draem` detector learns to segment, pasted into normal training scans. They follow DRAEM
/// (Zavrtanik et al. 2021: Perlin-noise masks filled with a foreign texture) and Foreign Patch Interpolation
/// (Tan et al. 2020: the content of another normal scan blended in), and are deliberately generic: nothing here knows
/// what a lesion of the evaluation set looks like (rims, cores, displacement, grey-matter level). That generator
/// lives in the AnomalyData target, which depends on this one, so this code cannot reach it.
public struct SyntheticAnomalies: Codable, Equatable, Sendable {
    /// Scans with anomalies per normal training scan; the scan itself is also kept, clean, with an empty mask.
    /// Drawn once before training, so more copies stand in for DRAEM's fresh anomalies every epoch: on the brain
    /// slices, 8 copies for 20 epochs gave image AUROC 0.859 and Dice 0.579 where 3 copies gave 0.756 and 0.193
    /// (notebooks-md/anomaly.md).
    public var copies = 8
    /// The scoring-mask level: anomalies are pasted where the scan is brighter than this.
    public var level: Float = 0.05

    public init() {}

    enum CodingKeys: String, CodingKey { case copies, level = "mask_level" }

    /// The training set: every scan clean (target all 0) and `copies` times with an anomaly (target 1 where it changed
    /// the scan), as [N, 1, H, W] inputs and targets.
    public func dataset(_ scans: [Plane], seed: UInt64) -> Dataset {
        var rng = RandomGenerator(seed: seed)
        var inputs: [Float] = [], targets: [Float] = []
        for (index, scan) in scans.enumerated() {
            inputs += scan.values
            targets += [Float](repeating: 0, count: scan.values.count)
            for _ in 0..<copies {
                let donor = scans[(index + 1 + Int(rng.next() % UInt64(max(1, scans.count - 1)))) % scans.count]
                let (anomalous, mask) = paste(into: scan, donor: donor, rng: &rng)
                inputs += anomalous.values
                targets += mask.values
            }
        }
        let (width, height) = (scans[0].width, scans[0].height)
        let count = scans.count * (copies + 1)
        return Dataset(inputs: Tensor(shape: [count, 1, height, width], scalars: inputs),
                       targets: .values(Tensor(shape: [count, 1, height, width], scalars: targets)))
    }

    /// One anomaly: a Perlin-like mask (smooth noise above a threshold, inside the scan) filled with one of three
    /// foreign contents, blended in with a factor of 0.2-1. The target marks the pixels the blend changed by more
    /// than 0.02.
    func paste(into scan: Plane, donor: Plane, rng: inout RandomGenerator) -> (Plane, Plane) {
        let (width, height) = (scan.width, scan.height)
        let scale = Double(width) / 128
        let inside = scan.blurred(sigma: 1).map { $0 > level ? 1 : 0 }
        var region = Plane(width: width, height: height)
        for _ in 0..<4 where region.values.allSatisfy({ $0 == 0 }) {
            let noise = Plane.smoothNoise(width: width, height: height, sigma: (2 + 6 * Double(rng.nextFloat())) * scale, rng: &rng)
            let cut = 1.2 + 0.8 * rng.nextFloat()
            region = noise.zipWith(inside) { $0 > cut && $1 > 0 ? 1 : 0 }
        }
        let weight = region.blurred(sigma: scale)
        let strength = 0.2 + 0.8 * rng.nextFloat()
        let content = foreign(scan, donor: donor, rng: &rng)
        var result = scan, mask = Plane(width: width, height: height)
        for i in scan.values.indices where weight.values[i] > 0 {
            let alpha = strength * weight.values[i]
            result.values[i] = min(1, max(0, (1 - alpha) * scan.values[i] + alpha * content.values[i]))
            if abs(result.values[i] - scan.values[i]) > 0.02 && region.values[i] > 0 { mask.values[i] = 1 }
        }
        return (result, mask)
    }

    /// What fills an anomaly: another normal scan, shifted (Foreign Patch Interpolation); smooth random texture of
    /// any mean and contrast (DRAEM's foreign textures); or the scan itself with its intensities scaled by 0.4-1.6.
    private func foreign(_ scan: Plane, donor: Plane, rng: inout RandomGenerator) -> Plane {
        let (width, height) = (scan.width, scan.height)
        switch rng.next() % 3 {
        case 0:
            let (dx, dy) = (Float(rng.nextFloat() - 0.5) * Float(width) * 0.5, Float(rng.nextFloat() - 0.5) * Float(height) * 0.5)
            return Plane(width: width, height: height, values: (0..<width * height).map { donor.sampled(Float($0 % width) + dx, Float($0 / width) + dy) })
        case 1:
            let texture = Plane.smoothNoise(width: width, height: height, sigma: Double(0.5 + 2.5 * rng.nextFloat()) * Double(width) / 128, rng: &rng)
            let (mean, contrast) = (0.1 + 0.8 * rng.nextFloat(), 0.02 + 0.2 * rng.nextFloat())
            return texture.map { mean + contrast * $0 }
        default:
            let factor = 0.4 + 1.2 * rng.nextFloat()
            return scan.map { $0 * factor }
        }
    }
}
