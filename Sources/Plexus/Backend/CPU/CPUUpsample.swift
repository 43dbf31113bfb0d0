/// Upsampling kernels with PyTorch's index arithmetic. (oneDNN's resampling primitive samples at different
/// positions: its nearest mode rounds to the closest centre, PyTorch's floors, and its linear mode uses the
/// ratio of sizes where PyTorch uses the requested scale factor.)
///
/// Nearest and bilinear share one description of the sampling: for each output row and column, the two input
/// indices it reads and their weights; nearest reads one index with weight 1. Bilinear is separable: an output
/// row is the blend of two input rows (a vectorised loop over the input width), interpolated along the row
/// (two reads per output pixel instead of four). The backward kernel is the exact adjoint of each step.
extension CPUBackend {
    public func upsample(_ x: Storage, _ geometry: UpsampleGeometry) -> Storage {
        let sampling = Sampling(geometry)
        let (rows, columns, inputWidth, outputWidth) = (sampling.rows, sampling.columns, geometry.inputWidth, geometry.outputWidth)
        let out = allocate(geometry.planes * sampling.outputPlane)
        let src = x.floats, dst = out.floats
        sampling.forEachOutputRow { plane, y, blended in
            let source = src + plane * sampling.inputPlane
            let top = source + rows.first[y] * inputWidth, bottom = source + rows.second[y] * inputWidth
            let o = dst + plane * sampling.outputPlane + y * outputWidth
            if sampling.nearest {
                for x in 0..<outputWidth { o[x] = top[columns.first[x]] }
                return
            }
            let topWeight = rows.firstWeight[y], bottomWeight = rows.secondWeight[y]
            for i in 0..<inputWidth { blended[i] = topWeight * top[i] + bottomWeight * bottom[i] }
            for x in 0..<outputWidth {
                o[x] = columns.firstWeight[x] * blended[columns.first[x]] + columns.secondWeight[x] * blended[columns.second[x]]
            }
        }
        return out
    }

    public func upsampleBackward(_ gradient: Storage, _ geometry: UpsampleGeometry) -> Storage {
        let sampling = Sampling(geometry)
        let (rows, columns, inputWidth, outputWidth) = (sampling.rows, sampling.columns, geometry.inputWidth, geometry.outputWidth)
        let out = allocate(geometry.planes * sampling.inputPlane)
        fill(out, count: geometry.planes * sampling.inputPlane, value: 0)
        let g = gradient.floats, dst = out.floats
        // Planes are independent, so threads never add into the same input pixel.
        sampling.forEachOutputRow { plane, y, spread in
            let target = dst + plane * sampling.inputPlane
            let top = target + rows.first[y] * inputWidth, bottom = target + rows.second[y] * inputWidth
            let incoming = g + plane * sampling.outputPlane + y * outputWidth
            if sampling.nearest {
                for x in 0..<outputWidth { top[columns.first[x]] += incoming[x] }
                return
            }
            // Spread the row's gradient back along the row, then split it between the two input rows.
            spread.update(repeating: 0, count: inputWidth)
            for x in 0..<outputWidth {
                spread[columns.first[x]] += columns.firstWeight[x] * incoming[x]
                spread[columns.second[x]] += columns.secondWeight[x] * incoming[x]
            }
            let topWeight = rows.firstWeight[y], bottomWeight = rows.secondWeight[y]
            for i in 0..<inputWidth {
                top[i] += topWeight * spread[i]
                bottom[i] += bottomWeight * spread[i]
            }
        }
        return out
    }
}

/// One upsampling's taps along both axes, and the walk over its output rows that the forward and backward kernels share.
private struct Sampling {
    let geometry: UpsampleGeometry
    let rows: Taps, columns: Taps

    init(_ geometry: UpsampleGeometry) {
        self.geometry = geometry
        rows = Taps(geometry.mode, input: geometry.inputHeight, output: geometry.outputHeight, scale: geometry.heightScale)
        columns = Taps(geometry.mode, input: geometry.inputWidth, output: geometry.outputWidth, scale: geometry.widthScale)
    }

    var inputPlane: Int { geometry.inputHeight * geometry.inputWidth }
    var outputPlane: Int { geometry.outputHeight * geometry.outputWidth }
    var nearest: Bool { geometry.mode == .nearest }

    /// Calls `body(plane, y, scratch)` for every output row `y` of every plane, with planes split across threads and
    /// `scratch` a row of `inputWidth` floats private to the thread.
    func forEachOutputRow(_ body: (_ plane: Int, _ y: Int, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        parallelFor(geometry.planes, grain: Swift.max(1, (1 << 15) / outputPlane)) { planes in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: geometry.inputWidth)
            defer { scratch.deallocate() }
            for plane in planes {
                for y in 0..<geometry.outputHeight { body(plane, y, scratch) }
            }
        }
    }
}

/// For each output index along one axis: the two input indices it is interpolated from and their weights.
private struct Taps {
    var first: [Int] = [], second: [Int] = []
    var firstWeight: [Float] = [], secondWeight: [Float] = []

    /// PyTorch's `nearest_idx` and `compute_indices_weights_linear` (align_corners=False), in Float as PyTorch computes them.
    /// PyTorch copies an axis whose size does not change (and nearest halves indices on a doubled axis), whatever
    /// the scale factor says: `5 · 1.1` rounds down to 5 rows, which are the input's.
    init(_ mode: UpsampleMode, input: Int, output: Int, scale: Float) {
        for i in 0..<output {
            if output == input {
                append(i, i, 1, 0)
                continue
            }
            switch mode {
            case .nearest:
                let index = output == 2 * input ? i / 2 : Swift.min(Int((Float(i) * scale).rounded(.down)), input - 1)
                append(index, index, 1, 0)
            case .bilinear:
                let position = Swift.max(scale * (Float(i) + 0.5) - 0.5, 0)
                let index = Swift.min(Int(position.rounded(.down)), input - 1)
                let fraction = Swift.min(Swift.max(position - Float(index), 0), 1)
                append(index, Swift.min(index + 1, input - 1), 1 - fraction, fraction)
            }
        }
    }

    private mutating func append(_ a: Int, _ b: Int, _ wa: Float, _ wb: Float) {
        first.append(a)
        second.append(b)
        firstWeight.append(wa)
        secondWeight.append(wb)
    }
}
