/// Batch norm of images in 16-channel blocks (`StorageFormat.channelBlocked(16)`, what the convolutions before it
/// leave), without converting them: the 16 channels of a block are the 16 lanes of one vector, so every loop is a
/// run of whole-vector loads over a plane of (H·W, 16) values.
///
/// The storage is N·C/16 such planes, plane p = n·(C/16) + block. Every sum is taken in the order of the plain
/// loops in `CPUNormalization.swift` (per plane as `CPUBackend.sum` adds a run of floats, then the planes in batch
/// order), so a network gives the same numbers to the last bit in either format.
struct BlockedPlanes {
    private typealias Lanes = SIMD16<Float>
    let batch: Int, blocks: Int, spatial: Int

    /// nil unless `format` is 16-channel blocks, the only blocked order these loops read.
    init?(_ format: StorageFormat, batch: Int, channels: Int, spatial: Int) {
        guard format == .channelBlocked(16) else { return nil }
        self.batch = batch
        self.blocks = channels / 16
        self.spatial = spatial
    }

    private var planes: Int { batch * blocks }
    private var groupSize: Float { Float(batch * spatial) }
    /// Planes per thread chunk: enough work to pay for a thread.
    private var grain: Int { Swift.max(1, (1 << 15) / Swift.max(spatial * 16, 1)) }

    @inline(__always) private static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> Lanes {
        UnsafeRawPointer(p + i * 16).load(as: Lanes.self)  // storages are 64-byte aligned
    }
    @inline(__always) private static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i * 16).storeBytes(of: v, as: Lanes.self)
    }

    /// Σ over each block's planes of `planeSum`'s result for each, added in batch order: 16 channel totals per block.
    private func totals(_ value: (_ start: Int, _ block: Int) -> Lanes) -> [Lanes] {
        var partial = [Lanes](repeating: Lanes(repeating: 0), count: planes)
        partial.withUnsafeMutableBufferPointer { partial in
            parallelFor(planes, grain: grain) { range in
                for plane in range { partial[plane] = value(plane * spatial * 16, plane % blocks) }
            }
        }
        var sums = [Lanes](repeating: Lanes(repeating: 0), count: blocks)
        for plane in 0..<planes { sums[plane % blocks] += partial[plane] }
        return sums
    }

    /// Σ of `term(i)` for i in 0..<spatial, 16 channels at once, in the order `CPUBackend.sum` adds a plain run:
    /// accumulator j takes the terms i ≡ j (mod 16) of the whole runs of 16, the accumulators are added in order
    /// (as `SIMD16.sum()`), then the remaining terms one by one.
    @inline(__always) private func planeSum(_ term: (Int) -> Lanes) -> Lanes {
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: 16) { accumulators in
            accumulators.initialize(repeating: Lanes(repeating: 0))
            var i = 0
            while i + 16 <= spatial {
                for j in 0..<16 { accumulators[j] += term(i + j) }
                i += 16
            }
            var total = Lanes(repeating: -0.0)
            for j in 0..<16 { total += accumulators[j] }
            while i < spatial {
                total += term(i)
                i += 1
            }
            return total
        }
    }

    /// Applies `body(plane start, block)` to every plane, in parallel.
    private func forEachPlane(_ body: (_ start: Int, _ block: Int) -> Void) {
        parallelFor(planes, grain: grain) { range in
            for plane in range { body(plane * spatial * 16, plane % blocks) }
        }
    }

    /// `CPUBackend.normalize` for this layout: statistics from `x` unless given, then `x·scale + shift` per channel.
    func normalize(_ x: Storage, into out: Storage, weight: Storage, bias: Storage, statistics: NormalizationStatistics,
                   computeStatistics: Bool, epsilon: Float) {
        let src = x.floats, dst = out.floats, mean = statistics.mean.floats, variance = statistics.variance.floats
        let spatial = spatial, groupSize = groupSize
        if computeStatistics {
            // Mean first, then squared deviations from it, as the plain loops.
            let sums = totals { start, _ in planeSum { BlockedPlanes.load(src + start, $0) } }
            for block in 0..<blocks { BlockedPlanes.store(sums[block] / groupSize, mean, block) }
            let deviations = totals { start, block in
                let m = BlockedPlanes.load(mean, block)
                return planeSum { i in
                    let d = BlockedPlanes.load(src + start, i) - m
                    return d * d
                }
            }
            for block in 0..<blocks { BlockedPlanes.store(deviations[block] / groupSize, variance, block) }
        }
        let w = weight.floats, b = bias.floats
        forEachPlane { start, block in
            let scale = BlockedPlanes.load(w, block) / (BlockedPlanes.load(variance, block) + epsilon).squareRoot()
            let shift = BlockedPlanes.load(b, block) - BlockedPlanes.load(mean, block) * scale
            for i in 0..<spatial { BlockedPlanes.store(BlockedPlanes.load(src + start, i) * scale + shift, dst + start, i) }
        }
    }

    /// `CPUBackend.normalizeBackward` for this layout; `gradient` is in it too. The formula is the plain loops'.
    func backward(_ x: Storage, gradient: Storage, into input: Storage, weight: Storage, weightGradient: Storage, biasGradient: Storage,
                  statistics: NormalizationStatistics, fixedStatistics: Bool, epsilon: Float) {
        let xs = x.floats, g = gradient.floats, dx = input.floats, mean = statistics.mean.floats
        let groupSize = groupSize
        let rstd = (0..<blocks).map { 1 / (BlockedPlanes.load(statistics.variance.floats, $0) + epsilon).squareRoot() }
        let sumG = totals { start, _ in planeSum { BlockedPlanes.load(g + start, $0) } }
        let sumGX = totals { start, block in  // Σ g·(x − mean)
            let m = BlockedPlanes.load(mean, block)
            return planeSum { i in BlockedPlanes.load(g + start, i) * (BlockedPlanes.load(xs + start, i) - m) }
        }
        // dx = k1·g + k2·x + k3 per channel (see `CPUBackend.normalizeBackward`).
        var k1 = [Lanes](), k2 = [Lanes](), k3 = [Lanes]()
        for block in 0..<blocks {
            let sg = sumG[block], sgx = sumGX[block]
            BlockedPlanes.store(sg, biasGradient.floats, block)
            BlockedPlanes.store(sgx * rstd[block], weightGradient.floats, block)
            let a = BlockedPlanes.load(weight.floats, block) * rstd[block]
            let b = fixedStatistics ? Lanes(repeating: 0) : -a * rstd[block] * rstd[block] * sgx / groupSize
            k1.append(a)
            k2.append(b)
            k3.append(fixedStatistics ? Lanes(repeating: 0) : -a * sg / groupSize - BlockedPlanes.load(mean, block) * b)
        }
        forEachPlane { start, block in
            let (a, b, c) = (k1[block], k2[block], k3[block])
            for i in 0..<spatial {
                BlockedPlanes.store(BlockedPlanes.load(g + start, i) * a + BlockedPlanes.load(xs + start, i) * b + c, dx + start, i)
            }
        }
    }
}
