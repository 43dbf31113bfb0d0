import Foundation

/// Softmax along one axis and row gathers (embedding lookups): loops over (outer, axis, inner) views of a tensor.
extension CPUBackend {
    public func softmax(_ x: Storage, outer: Int, axis: Int, inner: Int, log: Bool) -> Storage {
        let out = allocate(outer * axis * inner)
        let src = x.floats, dst = out.floats
        parallelFor(outer * inner, grain: 256) { range in
            for line in range {
                let base = (line / inner) * axis * inner + line % inner
                var largest = -Float.infinity
                for j in 0..<axis { largest = Swift.max(largest, src[base + j * inner]) }
                var total: Float = 0
                for j in 0..<axis {
                    let e = Foundation.exp(src[base + j * inner] - largest)
                    dst[base + j * inner] = e
                    total += e
                }
                if log {
                    let shift = largest + Foundation.log(total)
                    for j in 0..<axis { dst[base + j * inner] = src[base + j * inner] - shift }
                } else {
                    for j in 0..<axis { dst[base + j * inner] /= total }
                }
            }
        }
        return out
    }

    public func softmaxBackward(y: Storage, gradient: Storage, outer: Int, axis: Int, inner: Int, log: Bool) -> Storage {
        let out = allocate(outer * axis * inner)
        let ys = y.floats, g = gradient.floats, dst = out.floats
        parallelFor(outer * inner, grain: 256) { range in
            for line in range {
                let base = (line / inner) * axis * inner + line % inner
                var dot: Float = 0
                for j in 0..<axis {
                    let i = base + j * inner
                    dot += log ? g[i] : g[i] * ys[i]
                }
                for j in 0..<axis {
                    let i = base + j * inner
                    // log-softmax: g - softmax·Σg;  softmax: y·(g - Σ g·y)
                    dst[i] = log ? g[i] - Foundation.exp(ys[i]) * dot : ys[i] * (g[i] - dot)
                }
            }
        }
        return out
    }

    public func indexSelect(_ x: Storage, outer: Int, axis: Int, inner: Int, indices: [Int]) -> Storage {
        let out = allocate(outer * indices.count * inner)
        let src = x.floats, dst = out.floats
        for o in 0..<outer {
            for (j, index) in indices.enumerated() {
                (dst + (o * indices.count + j) * inner).update(from: src + (o * axis + index) * inner, count: inner)
            }
        }
        return out
    }

    public func indexAdd(_ gradient: Storage, outer: Int, axis: Int, inner: Int, indices: [Int]) -> Storage {
        let out = allocate(outer * axis * inner)
        fill(out, count: outer * axis * inner, value: 0)
        let g = gradient.floats, dst = out.floats
        for o in 0..<outer {
            for (j, index) in indices.enumerated() {
                let d = dst + (o * axis + index) * inner, s = g + (o * indices.count + j) * inner
                for i in 0..<inner { d[i] += s[i] }
            }
        }
        return out
    }
}
