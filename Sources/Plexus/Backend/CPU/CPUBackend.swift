import CDNNL
import Foundation

/// The CPU backend: oneDNN for matrix products and transcendental element-wise functions,
/// Swift loops the compiler vectorises for arithmetic, and all cores for large tensors.
public final class CPUBackend: Backend {
    public static let shared = CPUBackend()
    static let coreCount = ProcessInfo.processInfo.activeProcessorCount
    public let device = Device.cpu
    private let dnnl = OneDNN.shared

    private init() {
        // Tensor buffers of 256 KB and more come from `BufferPool`. What glibc still serves, Swift arrays and
        // small tensors, is allocated and freed at the same sizes step after step: keep it in the heap rather than
        // mapping it anew (and faulting its pages in) each time (k-means' 40 MB distance arrays: 3.5 s against 2.5 s
        // for the bench's 1,000,000 points with a 32 MB threshold). Arrays of 128 MB and more (a data set's values)
        // are mapped, so they go back to the system when freed; so does a heap top over 128 MB left free.
        mallopt(M_MMAP_THRESHOLD, 128 << 20)
        mallopt(M_TRIM_THRESHOLD, 128 << 20)
    }

    /// Returns freed memory to the system: the large buffers `BufferPool` keeps for reuse, and the heap's free
    /// pages (glibc's `malloc_trim`). A pipeline calls this between phases whose sizes differ (decoding 60,000
    /// images, then training), so that what one phase freed is not held while the next one runs.
    public static func returnFreedMemory() {
        BufferPool.shared.releaseAll()
        malloc_trim(0)
    }

    // MARK: Memory

    public func allocate(_ count: Int) -> Storage {
        allocate(count, format: .plain)
    }

    /// A buffer of `count` elements that will hold them in `format`.
    func allocate(_ count: Int, format: StorageFormat) -> Storage {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        if bytes >= BufferPool.minimumBytes {
            guard let buffer = BufferPool.shared.take(bytes) else { preconditionFailure("out of memory allocating \(bytes) bytes") }
            return Storage(device: .cpu, count: count, format: format, pointer: buffer,
                           release: { BufferPool.shared.give($0, bytes: bytes) })
        }
        var raw: UnsafeMutableRawPointer?
        precondition(posix_memalign(&raw, 64, bytes) == 0, "out of memory allocating \(bytes) bytes")
        return Storage(device: .cpu, count: count, format: format, pointer: raw!, release: { free($0) })
    }

    public func upload(_ values: [Float]) -> Storage {
        let storage = allocate(values.count)
        values.withUnsafeBufferPointer { storage.floats.update(from: $0.baseAddress!, count: values.count) }
        return storage
    }

    public func download(_ storage: Storage, count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: storage.floats, count: count))
    }

    public func fill(_ storage: Storage, count: Int, value: Float) {
        storage.modified()
        storage.floats.update(repeating: value, count: count)
    }

    // MARK: Element-wise

    public func unary(_ op: UnaryOp, _ x: Storage, count: Int) -> Storage {
        let out = allocate(count, format: x.format)
        let src = x.floats, dst = out.floats
        switch op {
        case .neg: map(count, src, dst, Negate())
        case .abs: map(count, src, dst, Absolute())
        case .affine(let scale, let shift): map(count, src, dst, Affine(scale: scale, shift: shift))
        case .clamp(let lo, let hi): map(count, src, dst, Clamp(lo: lo, hi: hi))
        case .relu: map(count, src, dst, ReLU())
        case .leakyRelu(let slope): map(count, src, dst, LeakyReLU(slope: slope))
        case .pow(2): zip(count, src, src, dst, Multiply())
        case .pow(let exponent): dnnl.eltwiseForward(dnnl_eltwise_pow, alpha: 1, beta: exponent, source: src, destination: dst, count: count)
        case .exp: dnnl.eltwiseForward(dnnl_eltwise_exp, source: src, destination: dst, count: count)
        case .log: dnnl.eltwiseForward(dnnl_eltwise_log, source: src, destination: dst, count: count)
        case .sqrt: dnnl.eltwiseForward(dnnl_eltwise_sqrt, source: src, destination: dst, count: count)
        case .sigmoid: dnnl.eltwiseForward(dnnl_eltwise_logistic, source: src, destination: dst, count: count)
        case .tanh: dnnl.eltwiseForward(dnnl_eltwise_tanh, source: src, destination: dst, count: count)
        case .gelu: dnnl.eltwiseForward(dnnl_eltwise_gelu_erf, source: src, destination: dst, count: count)
        case .elu(let alpha): dnnl.eltwiseForward(dnnl_eltwise_elu, alpha: alpha, source: src, destination: dst, count: count)
        case .softplus(let beta, let threshold):
            // PyTorch's softplus: log(1 + exp(βx)) / β, and x itself where βx > threshold.
            map(count, src, dst, Affine(scale: beta, shift: 0))
            dnnl.eltwiseForward(dnnl_eltwise_soft_relu, source: dst, destination: dst, count: count)
            for i in 0..<count { dst[i] = beta * src[i] > threshold ? src[i] : dst[i] / beta }
        }
        return out
    }

    public func unaryBackward(_ op: UnaryOp, x: Storage, y: Storage, gradient: Storage, count: Int) -> Storage {
        let out = allocate(count, format: x.format)
        let xs = x.floats, ys = y.floats, g = gradient.floats, dst = out.floats
        switch op {
        case .neg: map(count, g, dst, Negate())
        case .exp: zip(count, g, ys, dst, Multiply())
        case .log: zip(count, g, xs, dst, Divide())
        case .sqrt: zip(count, g, ys, dst, SquareRootGradient())
        case .abs: zip(count, g, xs, dst, AbsoluteGradient())
        case .relu: zip(count, g, xs, dst, ReLUGradient())
        case .leakyRelu(let slope): zip(count, g, xs, dst, LeakyReLUGradient(slope: slope))
        case .sigmoid: zip(count, g, ys, dst, SigmoidGradient())
        case .tanh: zip(count, g, ys, dst, TanhGradient())
        case .elu(let alpha): for i in 0..<count { dst[i] = xs[i] > 0 ? g[i] : g[i] * (ys[i] + alpha) }
        case .affine(let scale, _): map(count, g, dst, Affine(scale: scale, shift: 0))
        case .clamp(let lo, let hi): zip(count, g, xs, dst, ClampGradient(lo: lo, hi: hi))
        case .pow(let exponent): zip(count, g, xs, dst, PowerGradient(exponent: exponent))
        case .gelu: dnnl.eltwiseBackward(dnnl_eltwise_gelu_erf, source: xs, gradient: g, result: dst, count: count)
        case .softplus(let beta, let threshold):
            // d/dx softplus = sigmoid(βx), and 1 in the linear region.
            map(count, xs, dst, Affine(scale: beta, shift: 0))
            dnnl.eltwiseForward(dnnl_eltwise_logistic, source: dst, destination: dst, count: count)
            for i in 0..<count { dst[i] = beta * xs[i] > threshold ? g[i] : g[i] * dst[i] }
        }
        return out
    }

    private func map<F: ElementFunction>(_ count: Int, _ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ f: F) {
        parallelFor(count) { range in
            for i in range { dst[i] = f(src[i]) }
        }
    }

    private func zip<F: PairFunction>(_ count: Int, _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>,
                                      _ dst: UnsafeMutablePointer<Float>, _ f: F) {
        parallelFor(count) { range in
            for i in range { dst[i] = f(a[i], b[i]) }
        }
    }

    public func binary(_ op: BinaryOp, _ a: Storage, _ aLayout: Layout, _ b: Storage, _ bLayout: Layout, outShape: [Int]) -> Storage {
        switch op {
        case .add: return broadcast(a, aLayout, b, bLayout, outShape, Add())
        case .sub: return broadcast(a, aLayout, b, bLayout, outShape, Subtract())
        case .mul: return broadcast(a, aLayout, b, bLayout, outShape, Multiply())
        case .div: return broadcast(a, aLayout, b, bLayout, outShape, Divide())
        }
    }

    /// Applies `f` over two broadcast layouts. Axes are coalesced first, so the common cases (same shape,
    /// a scalar, a bias row) become one or two flat loops the compiler vectorises.
    private func broadcast<F: PairFunction>(_ a: Storage, _ aLayout: Layout, _ b: Storage, _ bLayout: Layout, _ outShape: [Int],
                                            _ f: F) -> Storage {
        let count = outShape.reduce(1, *)
        let out = allocate(count, format: a.format == b.format ? a.format : .plain)
        let dst = out.floats
        let pa = a.floats + aLayout.offset, pb = b.floats + bLayout.offset
        let (shape, strides) = coalesce(outShape, [aLayout.strides, bLayout.strides])
        let inner = shape.last ?? 1
        let sa = strides[0].last ?? 0, sb = strides[1].last ?? 0
        let rows = count / Swift.max(inner, 1)
        let outer = Array(shape.dropLast()), aOuter = Array(strides[0].dropLast()), bOuter = Array(strides[1].dropLast())
        parallelFor(rows, grain: Swift.max(1, (1 << 15) / Swift.max(inner, 1))) { range in
            for row in range {
                let (ia, ib) = offsets(ofRow: row, outer, aOuter, bOuter)
                let o = dst + row * inner, x = pa + ia, y = pb + ib
                if sa == 1 && sb == 1 {
                    for i in 0..<inner { o[i] = f(x[i], y[i]) }
                } else if sa == 1 && sb == 0 {
                    let v = y[0]
                    for i in 0..<inner { o[i] = f(x[i], v) }
                } else if sa == 0 && sb == 1 {
                    let v = x[0]
                    for i in 0..<inner { o[i] = f(v, y[i]) }
                } else {
                    for i in 0..<inner { o[i] = f(x[i * sa], y[i * sb]) }
                }
            }
        }
        return out
    }

    public func select(_ condition: Storage, _ a: Storage, _ b: Storage, count: Int) -> Storage {
        let out = allocate(count)
        let c = condition.floats, x = a.floats, y = b.floats, dst = out.floats
        parallelFor(count) { range in
            for i in range { dst[i] = c[i] != 0 ? x[i] : y[i] }
        }
        return out
    }

    public func equalMask(_ x: Storage, _ y: Storage, count: Int) -> Storage {
        let out = allocate(count)
        zip(count, x.floats, y.floats, out.floats, Equal())
        return out
    }

    // MARK: Reductions

    public func reduce(_ op: ReduceOp, _ x: Storage, shape: [Int], axes: [Int]) -> Storage {
        let kept = (0..<shape.count).filter { !axes.contains($0) }
        let keptCount = kept.reduce(1) { $0 * shape[$1] }
        let reducedCount = axes.reduce(1) { $0 * shape[$1] }
        // Summing leading axes (bias gradients, batch means): add whole rows, a loop the compiler vectorises.
        if op == .sum && axes == Array(0..<axes.count) {
            let out = allocate(keptCount)
            let src = x.floats, dst = out.floats
            parallelFor(keptCount, grain: Swift.max(16, (1 << 15) / Swift.max(reducedCount, 1))) { columns in
                for j in columns { dst[j] = 0 }
                for row in 0..<reducedCount {
                    let p = src + row * keptCount
                    for j in columns { dst[j] += p[j] }
                }
            }
            return out
        }
        // Otherwise bring the reduced axes last (a copy only when they are not already), then reduce contiguous rows.
        var source = x
        if axes != Array(shape.count - axes.count ..< shape.count) {
            let order = kept + axes
            let permuted = Layout(shape: order.map { shape[$0] }, strides: order.map { Layout.contiguousStrides(shape)[$0] })
            source = allocate(x.count)
            copy(x, permuted, into: source, Layout(contiguous: permuted.shape))
        }
        let out = allocate(keptCount)
        let src = source.floats, dst = out.floats
        parallelFor(keptCount, grain: Swift.max(1, (1 << 15) / Swift.max(reducedCount, 1))) { range in
            for row in range {
                let p = src + row * reducedCount
                switch op {
                case .sum: dst[row] = CPUBackend.sum(p, reducedCount)
                case .max: dst[row] = UnsafeBufferPointer(start: p, count: reducedCount).max() ?? -.infinity
                case .min: dst[row] = UnsafeBufferPointer(start: p, count: reducedCount).min() ?? .infinity
                }
            }
        }
        return out
    }

    /// A 16-lane vector sum: fast, and more accurate than a serial loop on long rows.
    static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= count {
            lanes += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var total = lanes.sum()
        while i < count {
            total += p[i]
            i += 1
        }
        return total
    }

    public func sumOfSquares(_ x: Storage, count: Int) -> Double {
        let p = x.floats
        var total = 0.0
        for i in 0..<count { total += Double(p[i]) * Double(p[i]) }
        return total
    }

    public func scale(_ x: Storage, count: Int, by factor: Float) {
        x.modified()
        let p = x.floats
        parallelFor(count) { range in
            for i in range { p[i] *= factor }
        }
    }

    // MARK: Linear algebra and data movement

    public func matmul(_ a: Storage, _ b: Storage, batch: Int, m: Int, n: Int, k: Int,
                       transposeA: Bool, transposeB: Bool, aBatchStride: Int, bBatchStride: Int) -> Storage {
        let out = allocate(batch * m * n)
        for index in 0..<batch {
            dnnl.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                       a: a.floats + index * aBatchStride, b: b.floats + index * bBatchStride, c: out.floats + index * m * n)
        }
        return out
    }

    public func copy(_ source: Storage, _ from: Layout, into destination: Storage, _ to: Layout) {
        let count = from.shape.reduce(1, *)
        guard count > 0 else { return }
        destination.modified()
        let (shape, strides) = coalesce(from.shape, [from.strides, to.strides])
        let inner = shape.last ?? 1
        let ss = strides[0].last ?? 0, ds = strides[1].last ?? 0
        let outer = Array(shape.dropLast()), sOuter = Array(strides[0].dropLast()), dOuter = Array(strides[1].dropLast())
        let src = source.floats + from.offset, dst = destination.floats + to.offset
        parallelFor(count / inner, grain: Swift.max(1, (1 << 15) / inner)) { range in
            for row in range {
                let (si, di) = offsets(ofRow: row, outer, sOuter, dOuter)
                let s = src + si, d = dst + di
                if ss == 1 && ds == 1 {
                    d.update(from: s, count: inner)
                } else {
                    for i in 0..<inner { d[i * ds] = s[i * ss] }
                }
            }
        }
    }
}

/// Where row `row` of the outer axes `shape` starts in two strided layouts.
@inline(__always)
func offsets(ofRow row: Int, _ shape: [Int], _ a: [Int], _ b: [Int]) -> (Int, Int) {
    var offsetA = 0, offsetB = 0, rest = row
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        let index = rest % shape[axis]
        rest /= shape[axis]
        offsetA += index * a[axis]
        offsetB += index * b[axis]
    }
    return (offsetA, offsetB)
}

/// Merges adjacent axes that every layout walks contiguously, and drops size-1 axes, so kernels loop
/// over as few and as long runs as possible. Returns at least one axis.
func coalesce(_ shape: [Int], _ strides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
    var outShape: [Int] = []
    var outStrides: [[Int]] = strides.map { _ in [] }
    for axis in 0..<shape.count where shape[axis] != 1 {
        if let last = outShape.last,
           strides.indices.allSatisfy({ outStrides[$0].last! == strides[$0][axis] * shape[axis] }) {
            outShape[outShape.count - 1] = last * shape[axis]
            for k in strides.indices { outStrides[k][outStrides[k].count - 1] = strides[k][axis] }
        } else {
            outShape.append(shape[axis])
            for k in strides.indices { outStrides[k].append(strides[k][axis]) }
        }
    }
    if outShape.isEmpty { return ([1], strides.map { _ in [1] }) }
    return (outShape, outStrides)
}

// MARK: Element functions

/// An element-wise function handed to the kernels' loops as a generic value rather than a closure: the compiler
/// specialises the loop for it, inlines it and vectorises, where a closure passed through `parallelFor` is an
/// indirect call per element (about ten times slower on ReLU).
private protocol ElementFunction { func callAsFunction(_ x: Float) -> Float }
private protocol PairFunction { func callAsFunction(_ a: Float, _ b: Float) -> Float }

private struct Affine: ElementFunction {
    let scale: Float, shift: Float
    func callAsFunction(_ x: Float) -> Float { scale * x + shift }
}
private struct Negate: ElementFunction { func callAsFunction(_ x: Float) -> Float { -x } }
private struct Absolute: ElementFunction { func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
private struct Clamp: ElementFunction {
    let lo: Float, hi: Float
    func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, lo), hi) }
}
private struct ReLU: ElementFunction { func callAsFunction(_ x: Float) -> Float { Swift.max(x, 0) } }
private struct LeakyReLU: ElementFunction {
    let slope: Float
    func callAsFunction(_ x: Float) -> Float { x > 0 ? x : slope * x }
}

private struct Add: PairFunction { func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
private struct Subtract: PairFunction { func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
private struct Multiply: PairFunction { func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
private struct Divide: PairFunction { func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
private struct Equal: PairFunction { func callAsFunction(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 } }

// Gradients: `g` is the incoming gradient, `x` the function's input or `y` its output.
private struct SquareRootGradient: PairFunction { func callAsFunction(_ g: Float, _ y: Float) -> Float { g * 0.5 / y } }
private struct AbsoluteGradient: PairFunction { func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) } }
private struct ReLUGradient: PairFunction { func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : 0 } }
private struct LeakyReLUGradient: PairFunction {
    let slope: Float
    func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : slope * g }
}
private struct SigmoidGradient: PairFunction { func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) } }
private struct TanhGradient: PairFunction { func callAsFunction(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) } }
private struct ClampGradient: PairFunction {
    let lo: Float, hi: Float
    func callAsFunction(_ g: Float, _ x: Float) -> Float { x >= lo && x <= hi ? g : 0 }
}
private struct PowerGradient: PairFunction {
    let exponent: Float
    func callAsFunction(_ g: Float, _ x: Float) -> Float { g * exponent * Foundation.pow(x, exponent - 1) }
}
