import Foundation
import Plexus

/// How the `patchcore` detector describes and remembers patches; recorded in the run's config and model card.
public struct PatchCoreSettings: Codable, Equatable, Sendable {
    /// The network's stages whose feature maps are joined: stage k is its last layer at 1/2^k of the scan's side on
    /// the way down (with the built-in autoencoder, 2: 48 maps of 32×32, 3: 96 maps of 16×16). PatchCore takes
    /// mid-level stages: local enough to place a lesion, wide enough to know the tissue around it.
    public var stages = [2, 3]
    /// Share of the normal training patches kept in the memory bank by greedy coreset selection.
    public var coresetRatio = 0.1
    /// Side of the square of feature cells averaged into each patch's feature (PatchCore's local aggregation).
    public var neighbourhood = 3

    public init() {}

    enum CodingKeys: String, CodingKey { case stages, coresetRatio = "coreset_ratio", neighbourhood }
}

/// The `patchcore` detector (Roth et al., CVPR 2022) over a network trained self-supervised on normal scans (the
/// denoising autoencoder): each cell of a coarse grid over the scan is described by the network's feature maps
/// there, averaged over its neighbourhood, so a patch is judged with its surroundings; a grey-matter-level blob is
/// normal in the cortex but not inside white matter. The anomaly map is each cell's distance to the nearest normal
/// patch in the memory bank, resized to the scan.
struct PatchCore {
    /// The name of the memory bank among the run's models (next to the network, `model`).
    static let modelName = "memory_bank"

    let settings: PatchCoreSettings
    let network: Sequential
    /// The indices of the layers whose outputs are the features, and the side of the finest one: the patch grid.
    let taps: [Int]
    let grid: Int
    let imageSize: Int
    var bank: MemoryBank

    /// The detector for `network`'s stages at `imageSize`, with `bank` (empty until `fit`).
    init(network: Sequential, settings: PatchCoreSettings, imageSize: Int, bank: MemoryBank = MemoryBank(features: [], dimension: 0)) throws {
        let shapes = network.evaluating { network.trace(Tensor.zeros([1, 1, imageSize, imageSize])) }.map(\.outputShape)
        let sides = shapes.map { $0.count == 4 ? $0[2] : 0 }
        // The encoder: the layers up to the first one that makes the maps larger again.
        let encoder = sides.indices.first { $0 > 0 && sides[$0] > sides[$0 - 1] } ?? sides.count
        // Stage k of the encoder: its layers whose maps have exactly 1/2^k of the scan's side.
        func stage(_ side: Int) -> Int? { (1..<30).first { imageSize >> $0 == side && side << $0 == imageSize } }
        var taps: [Int] = []
        for wanted in settings.stages {
            guard let last = sides[..<encoder].indices.last(where: { stage(sides[$0]) == wanted }) else {
                let available = Set(sides[..<encoder].compactMap(stage)).sorted().map(String.init).joined(separator: ", ")
                throw AnomalyError("--feature-stages: the network has no layer at 1/2^\(wanted) of the scan's side \(imageSize) on its way down; its stages are \(available)")
            }
            taps.append(last)
        }
        let dimension = taps.reduce(0) { $0 + shapes[$1][1] }
        guard bank.count == 0 || bank.dimension == dimension else {
            throw AnomalyError("the memory bank has \(bank.dimension) features per patch, but the network's stages \(settings.stages) give \(dimension)")
        }
        self.settings = settings
        self.network = network
        self.taps = taps
        self.grid = taps.map { sides[$0] }.max()!
        self.imageSize = imageSize
        self.bank = bank
    }

    /// The memory bank of `scans`: the features of every grid cell that touches a scan's brain (`regions`), thinned
    /// by greedy coreset selection with `seed`.
    mutating func fit(_ scans: [Plane], regions: [Plane], seed: UInt64) throws {
        var kept: [Float] = [], dimension = 0
        for (features, region) in zip(features(scans), regions) {
            dimension = features.count / (grid * grid)
            for (cell, inside) in cells(region).enumerated() where inside {
                kept += features[cell * dimension..<(cell + 1) * dimension]
            }
        }
        guard !kept.isEmpty else { throw AnomalyError("patchcore: no training scan has a pixel above --mask-level, so there is no normal patch to remember") }
        bank = MemoryBank.coreset(kept, dimension: dimension, ratio: settings.coresetRatio, seed: seed)
    }

    /// Each scan's raw anomaly map at the scan's size: the distance of each grid cell that touches `masks` to its
    /// nearest normal patch (0 elsewhere), resized bilinearly.
    func maps(_ scans: [Plane], masks: [Plane]) -> [Plane] {
        zip(features(scans), masks).map { features, mask in
            let dimension = features.count / (grid * grid)
            let inside = cells(mask)
            var queries: [Float] = []
            for (cell, isInside) in inside.enumerated() where isInside { queries += features[cell * dimension..<(cell + 1) * dimension] }
            var distances = bank.nearestDistances(queries).makeIterator()
            let coarse = inside.map { $0 ? distances.next()! : 0 }
            let fine = Autograd.withoutGradient {
                Tensor(shape: [1, 1, grid, grid], scalars: coarse).upsample(.size(height: imageSize, width: imageSize), mode: .bilinear).scalars
            }
            return Plane(width: imageSize, height: imageSize, values: fine)
        }
    }

    /// Whether each grid cell (row by row) holds a pixel of `region`.
    private func cells(_ region: Plane) -> [Bool] {
        var inside = [Bool](repeating: false, count: grid * grid)
        for y in 0..<region.height {
            for x in 0..<region.width where region.values[y * region.width + x] > 0 {
                inside[(y * grid / region.height) * grid + x * grid / region.width] = true
            }
        }
        return inside
    }

    /// Each scan's patch features, row-major [grid × grid, features]: the tapped feature maps resized bilinearly
    /// to the grid, joined, and averaged over each cell's neighbourhood; 16 scans at a time.
    private func features(_ scans: [Plane]) -> [[Float]] {
        let last = taps.max()!
        return stride(from: 0, to: scans.count, by: 16).flatMap { start -> [[Float]] in
            let batch = Array(scans[start..<min(start + 16, scans.count)])
            let input = Tensor(shape: [batch.count, 1, imageSize, imageSize], scalars: batch.flatMap(\.values))
            let joined = network.evaluating { () -> Tensor in
                var x = input, maps: [Tensor] = []
                for (index, layer) in network.layers.enumerated() where index <= last {
                    x = layer(x)
                    if taps.contains(index) { maps.append(x.shape[2] == grid ? x : x.upsample(.size(height: grid, width: grid), mode: .bilinear)) }
                }
                let size = settings.neighbourhood
                return Tensor.concat(maps, axis: 1)
                    .avgPool2d(kernelSize: Size2D(size, size), stride: 1, padding: Size2D(size / 2, size / 2), countIncludePad: false)
                    .permuted([0, 2, 3, 1])
            }
            let values = joined.scalars, perScan = values.count / batch.count
            return batch.indices.map { Array(values[$0 * perScan..<($0 + 1) * perScan]) }
        }
    }
}
