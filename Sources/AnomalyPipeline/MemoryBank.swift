import Foundation
import Plexus
import PlexusFormats

/// PatchCore's memory of normal patches (Roth et al., "Towards total recall in industrial anomaly detection", CVPR
/// 2022): feature vectors of normal training patches, thinned by greedy coreset subsampling so that every normal
/// patch stays close to a kept one. A patch's anomaly score is its distance to the nearest kept patch.
struct MemoryBank: Equatable {
    /// Row-major [count, dimension].
    let features: [Float]
    let dimension: Int
    var count: Int { dimension == 0 ? 0 : features.count / dimension }

    /// The features kept by greedy coreset selection (minimax facility location): start from a seeded random patch,
    /// then repeatedly keep the patch farthest from everything kept so far, until `ratio` of them (at least one) are
    /// kept. Distances are measured after a seeded random projection to at most `projection` dimensions (as
    /// PatchCore does), which keeps the selection fast; the kept features are the full ones.
    static func coreset(_ features: [Float], dimension: Int, ratio: Double, projection: Int = 64, seed: UInt64) -> MemoryBank {
        let count = features.count / dimension
        let keep = min(count, max(1, Int((Double(count) * ratio).rounded())))
        guard keep < count else { return MemoryBank(features: features, dimension: dimension) }
        var rng = RandomGenerator(seed: seed)
        let points = lanes(project(features, count: count, dimension: dimension, to: projection, rng: &rng), count: count)
        let width = points.count / count
        var nearest = [Float](repeating: .infinity, count: count)
        var chosen = [Int(rng.next() % UInt64(count))]
        chosen.reserveCapacity(keep)
        points.withUnsafeBufferPointer { points in
            nearest.withUnsafeMutableBufferPointer { nearest in
                while chosen.count < keep {
                    let centre = chosen.last! * width
                    var farthest = 0, farthestDistance: Float = -1
                    for point in 0..<count {
                        let start = point * width
                        var sum = SIMD8<Float>()
                        for lane in 0..<width {
                            let difference = points[start + lane] - points[centre + lane]
                            sum += difference * difference
                        }
                        let distance = min(nearest[point], sum.sum())
                        nearest[point] = distance
                        if distance > farthestDistance { (farthest, farthestDistance) = (point, distance) }
                    }
                    chosen.append(farthest)
                }
            }
        }
        chosen.sort()
        return MemoryBank(features: chosen.flatMap { features[$0 * dimension..<($0 + 1) * dimension] }, dimension: dimension)
    }

    /// Each row of `values` as SIMD lanes of 8, the last one padded with zeros (which add nothing to distances).
    private static func lanes(_ values: [Float], count: Int) -> [SIMD8<Float>] {
        let dimension = values.count / count, width = (dimension + 7) / 8
        var result = [SIMD8<Float>](repeating: SIMD8(), count: count * width)
        for row in 0..<count {
            for d in 0..<dimension { result[row * width + d / 8][d % 8] = values[row * dimension + d] }
        }
        return result
    }

    /// `features` times a Gaussian matrix scaled by 1 / √target (distances are kept in expectation); unchanged when
    /// they have no more than `target` dimensions.
    private static func project(_ features: [Float], count: Int, dimension: Int, to target: Int, rng: inout RandomGenerator) -> [Float] {
        guard dimension > target else { return features }
        let scale = 1 / Float(target).squareRoot()
        let matrix = Tensor(shape: [dimension, target], scalars: (0..<dimension * target).map { _ in rng.nextNormal() * scale })
        return Autograd.withoutGradient { Tensor(shape: [count, dimension], scalars: features).matmul(matrix).scalars }
    }

    /// The Euclidean distance from each query (row-major [queries, dimension]) to its nearest kept patch:
    /// |q|² + |m|² − 2 q·m, with the products as one matrix product per block of 1,024 queries.
    func nearestDistances(_ queries: [Float]) -> [Float] {
        let queryCount = queries.count / dimension
        guard queryCount > 0 else { return [] }
        let bank = Tensor(shape: [count, dimension], scalars: features)
        let bankNorms = (0..<count).map { row in features[row * dimension..<(row + 1) * dimension].reduce(0) { $0 + $1 * $1 } }
        var distances: [Float] = []
        distances.reserveCapacity(queryCount)
        for start in stride(from: 0, to: queryCount, by: 1024) {
            let end = min(start + 1024, queryCount)
            let block = Array(queries[start * dimension..<end * dimension])
            let products = Autograd.withoutGradient { Tensor(shape: [end - start, dimension], scalars: block).matmul(bank, transposingOther: true).scalars }
            products.withUnsafeBufferPointer { products in
                bankNorms.withUnsafeBufferPointer { bankNorms in
                    for row in 0..<end - start {
                        let norm = block[row * dimension..<(row + 1) * dimension].reduce(0) { $0 + $1 * $1 }
                        var best = Float.infinity
                        for column in 0..<count {
                            best = min(best, bankNorms[column] - 2 * products[row * count + column])
                        }
                        distances.append(max(0, norm + best).squareRoot())
                    }
                }
            }
        }
        return distances
    }

    /// The bank as a safetensors file (one tensor, `memory_bank`), as stored with the run's model.
    func encoded(metadata: [String: String]) throws -> [UInt8] {
        try Safetensors.encode(["memory_bank": SafetensorsTensor(shape: [count, dimension], values: features)], metadata: metadata)
    }

    static func decode(_ bytes: [UInt8], source: String) throws -> MemoryBank {
        let (tensors, _) = try Safetensors.decode(bytes, path: source)
        guard let tensor = tensors["memory_bank"], tensor.shape.count == 2, tensor.shape[0] > 0, tensor.values.count == tensor.shape[0] * tensor.shape[1] else {
            throw AnomalyError("\(source): expected a tensor 'memory_bank' of shape [patches, features] with at least one patch")
        }
        return MemoryBank(features: tensor.values, dimension: tensor.shape[1])
    }
}
