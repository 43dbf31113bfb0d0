/// Batch norm of images in 16-channel blocks (`StorageFormat.channelBlocked(16)`, what the convolutions before it
/// leave), without converting them: the 16 channels of a block are the 16 lanes of one vector, so every loop is a
/// run of whole-vector loads over a plane of (H·W, 16) values.
///
/// The storage is N·C/16 such planes, plane p = n·(C/16) + block. Sums are taken per plane in parallel, then added
/// per block in Double, so the statistics do not depend on how the planes were split between threads.
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
    private var groupSize: Double { Double(batch * spatial) }
    /// Planes per thread chunk: enough work to pay for a thread.
    private var grain: Int { Swift.max(1, (1 << 15) / Swift.max(spatial * 16, 1)) }

    @inline(__always) private static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> Lanes {
        UnsafeRawPointer(p + i * 16).load(as: Lanes.self)  // storages are 64-byte aligned
    }
    @inline(__always) private static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i * 16).storeBytes(of: v, as: Lanes.self)
    }

    /// Σ over each block's planes of `value(plane start, …)`, one vector of 16 channel totals per block.
    private func totals(_ value: (_ start: Int, _ block: Int) -> Lanes) -> [SIMD16<Double>] {
        var partial = [Lanes](repeating: Lanes(repeating: 0), count: planes)
        partial.withUnsafeMutableBufferPointer { partial in
            parallelFor(planes, grain: grain) { range in
                for plane in range { partial[plane] = value(plane * spatial * 16, plane % blocks) }
            }
        }
        var sums = [SIMD16<Double>](repeating: SIMD16<Double>(repeating: 0), count: blocks)
        for plane in 0..<planes { sums[plane % blocks] += SIMD16<Double>(partial[plane]) }
        return sums
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
            let sums = totals { start, _ in
                var total = Lanes(repeating: 0)
                for i in 0..<spatial { total += BlockedPlanes.load(src + start, i) }
                return total
            }
            for block in 0..<blocks { BlockedPlanes.store(Lanes(sums[block] / groupSize), mean, block) }
            let deviations = totals { start, block in
                let m = BlockedPlanes.load(mean, block)
                var total = Lanes(repeating: 0)
                for i in 0..<spatial {
                    let d = BlockedPlanes.load(src + start, i) - m
                    total += d * d
                }
                return total
            }
            for block in 0..<blocks { BlockedPlanes.store(Lanes(deviations[block] / groupSize), variance, block) }
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
        let spatial = spatial, groupSize = Float(groupSize)
        let rstd = (0..<blocks).map { 1 / (BlockedPlanes.load(statistics.variance.floats, $0) + epsilon).squareRoot() }
        let sumG = totals { start, _ in
            var total = Lanes(repeating: 0)
            for i in 0..<spatial { total += BlockedPlanes.load(g + start, i) }
            return total
        }
        let sumGX = totals { start, block in  // Σ g·(x − mean)
            let m = BlockedPlanes.load(mean, block)
            var total = Lanes(repeating: 0)
            for i in 0..<spatial { total += BlockedPlanes.load(g + start, i) * (BlockedPlanes.load(xs + start, i) - m) }
            return total
        }
        // dx = k1·g + k2·x + k3 per channel (see `CPUBackend.normalizeBackward`).
        var k1 = [Lanes](), k2 = [Lanes](), k3 = [Lanes]()
        for block in 0..<blocks {
            let sg = Lanes(sumG[block]), sgx = Lanes(sumGX[block])
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
