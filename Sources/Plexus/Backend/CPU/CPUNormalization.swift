import CDNNL

/// Batch norm in vector loops over each channel's planes; layer norm on oneDNN's primitive, cached per shape.
///
/// Why not oneDNN for batch norm as well: on plain (N, C, H, W) data oneDNN 2.6 only has `ncsp_bnorm`, scalar C++
/// that measured 5–8× slower than its own JIT kernels (which need channels-last or blocked layouts) and 2.5–3×
/// slower than the loops below on (64, 32, 32, 32). These make three passes over a channel in training (mean,
/// variance, normalise) while the channel is in cache, and two in backward.
extension CPUBackend {
    public func normalize(_ kind: Normalization, _ x: Storage, weight: Storage, bias: Storage,
                          statistics: NormalizationStatistics?, epsilon: Float) -> (output: Storage, statistics: NormalizationStatistics) {
        let used = statistics ?? NormalizationStatistics(mean: allocate(kind.statisticsCount), variance: allocate(kind.statisticsCount))
        let out: Storage
        switch kind {
        case .batch(let batch, let channels, let spatial):
            if let blocks = BlockedPlanes(x.format, batch: batch, channels: channels, spatial: spatial) {
                out = allocate(kind.count, format: x.format)
                blocks.normalize(x, into: out, weight: weight, bias: bias, statistics: used, computeStatistics: statistics == nil, epsilon: epsilon)
                break
            }
            let x = converted(x, shape: [batch, channels, spatial, 1], to: .plain)
            out = allocate(kind.count)
            let planes = ChannelPlanes(batch: batch, channels: channels, spatial: spatial)
            let src = x.floats, dst = out.floats, mean = used.mean.floats, variance = used.variance.floats
            let w = weight.floats, b = bias.floats
            let computeStatistics = statistics == nil
            parallelFor(channels, grain: planes.grain) { range in
                for c in range {
                    if computeStatistics {
                        // Mean first, then squared deviations from it: one pass of Σx² loses digits when |mean| ≫ std.
                        let m = planes.total(c) { CPUBackend.sum(src + $0, $1) } / planes.groupSize
                        mean[c] = m
                        variance[c] = planes.total(c) { Lanes.squaredDeviations(src + $0, $1, from: m) } / planes.groupSize
                    }
                    // y = (x − mean)·w/√(var + ε) + b as one multiply-add: y = x·scale + shift.
                    let scale = w[c] / (variance[c] + epsilon).squareRoot()
                    let shift = b[c] - mean[c] * scale
                    planes.forEach(c) { Lanes.affine(src + $0, dst + $0, $1, scale: scale, shift: shift) }
                }
            }
        case .layer(let rows, let features):
            out = allocate(kind.count)
            let primitive = OneDNN.shared.layerNormalization(LayerNormKey(rows: rows, features: features, epsilon: epsilon, backward: false))
            primitive.execute([x.floats, used.mean.floats, used.variance.floats, weight.floats, bias.floats, out.floats])
        }
        return (out, used)
    }

    public func normalizeBackward(_ kind: Normalization, _ x: Storage, gradient: Storage, weight: Storage,
                                  statistics: NormalizationStatistics, fixedStatistics: Bool, epsilon: Float)
        -> (input: Storage, weight: Storage, bias: Storage) {
        let weightGradient = allocate(kind.parameterCount), biasGradient = allocate(kind.parameterCount)
        let input: Storage
        switch kind {
        case .batch(let batch, let channels, let spatial):
            if let blocks = BlockedPlanes(x.format, batch: batch, channels: channels, spatial: spatial) {
                input = allocate(kind.count, format: x.format)
                blocks.backward(x, gradient: converted(gradient, shape: [batch, channels, spatial, 1], to: x.format), into: input,
                                weight: weight, weightGradient: weightGradient, biasGradient: biasGradient, statistics: statistics,
                                fixedStatistics: fixedStatistics, epsilon: epsilon)
                break
            }
            let x = converted(x, shape: [batch, channels, spatial, 1], to: .plain)
            let gradient = converted(gradient, shape: [batch, channels, spatial, 1], to: .plain)
            input = allocate(kind.count)
            let planes = ChannelPlanes(batch: batch, channels: channels, spatial: spatial)
            let xs = x.floats, g = gradient.floats, dx = input.floats, mean = statistics.mean.floats, variance = statistics.variance.floats
            let w = weight.floats, dw = weightGradient.floats, db = biasGradient.floats
            parallelFor(channels, grain: planes.grain) { range in
                for c in range {
                    let m = mean[c], rstd = 1 / (variance[c] + epsilon).squareRoot()
                    let sumG = planes.total(c) { CPUBackend.sum(g + $0, $1) }
                    let sumGX = planes.total(c) { Lanes.deviationProduct(g + $0, xs + $0, $1, from: m) }  // Σ g·(x − mean)
                    db[c] = sumG
                    dw[c] = sumGX * rstd
                    // With x̂ = (x − mean)·rstd and M values per channel, dx = w·rstd·(g − Σg/M − x̂·Σ(g·x̂)/M): the batch
                    // statistics depend on x. As one pass, dx = k1·g + k2·x + k3. Fixed statistics leave dx = w·rstd·g.
                    let k1 = w[c] * rstd
                    let k2 = fixedStatistics ? 0 : -k1 * rstd * rstd * sumGX / planes.groupSize
                    let k3 = fixedStatistics ? 0 : -k1 * sumG / planes.groupSize - m * k2
                    planes.forEach(c) { Lanes.combine(g + $0, xs + $0, dx + $0, $1, k1, k2, k3) }
                }
            }
        case .layer(let rows, let features):
            input = allocate(kind.count)
            let primitive = OneDNN.shared.layerNormalization(LayerNormKey(rows: rows, features: features, epsilon: epsilon, backward: true))
            // oneDNN 2.6 requires a shift argument in backward although no gradient depends on it: any `features` floats do.
            primitive.execute([x.floats, statistics.mean.floats, statistics.variance.floats, gradient.floats, weight.floats, weight.floats,
                               input.floats, weightGradient.floats, biasGradient.floats])
        }
        return (input, weightGradient, biasGradient)
    }
}

/// A contiguous tensor viewed as (N, C, S): channel c is N planes of S contiguous values, at offsets `(n·C + c)·S`.
private struct ChannelPlanes {
    let batch: Int, channels: Int, spatial: Int

    /// Values per channel, as a divisor.
    var groupSize: Float { Float(batch * spatial) }
    /// Channels per thread chunk: enough work to pay for a thread.
    var grain: Int { Swift.max(1, (1 << 15) / Swift.max(batch * spatial, 1)) }

    @inline(__always)
    func forEach(_ channel: Int, _ body: (_ offset: Int, _ count: Int) -> Void) {
        for n in 0..<batch { body((n * channels + channel) * spatial, spatial) }
    }

    /// Σ over the channel's planes of `value(offset, count)`.
    @inline(__always)
    func total(_ channel: Int, _ value: (_ offset: Int, _ count: Int) -> Float) -> Float {
        var sum: Float = 0
        forEach(channel) { sum += value($0, $1) }
        return sum
    }
}

/// Loops over `count` contiguous floats in 16-lane vectors, then a scalar tail.
private enum Lanes {
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
    @inline(__always) static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }

    /// Σ (x − mean)².
    static func squaredDeviations(_ x: UnsafePointer<Float>, _ count: Int, from mean: Float) -> Float {
        var lanes = SIMD16<Float>(repeating: 0), i = 0
        while i + 16 <= count {
            let d = load(x + i) - mean
            lanes += d * d
            i += 16
        }
        var total = lanes.sum()
        for j in i..<count { total += (x[j] - mean) * (x[j] - mean) }
        return total
    }

    /// Σ g·(x − mean).
    static func deviationProduct(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, from mean: Float) -> Float {
        var lanes = SIMD16<Float>(repeating: 0), i = 0
        while i + 16 <= count {
            lanes += load(g + i) * (load(x + i) - mean)
            i += 16
        }
        var total = lanes.sum()
        for j in i..<count { total += g[j] * (x[j] - mean) }
        return total
    }

    /// y = x·scale + shift.
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int, scale: Float, shift: Float) {
        var i = 0
        while i + 16 <= count {
            store(load(x + i) * scale + shift, y + i)
            i += 16
        }
        for j in i..<count { y[j] = x[j] * scale + shift }
    }

    /// out = k1·g + k2·x + k3.
    static func combine(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int,
                        _ k1: Float, _ k2: Float, _ k3: Float) {
        var i = 0
        while i + 16 <= count {
            store(load(g + i) * k1 + load(x + i) * k2 + k3, out + i)
            i += 16
        }
        for j in i..<count { out[j] = g[j] * k1 + x[j] * k2 + k3 }
    }
}

private struct LayerNormKey: Hashable {
    let rows: Int, features: Int
    let epsilon: Float
    let backward: Bool
}

extension OneDNN {
    /// Layer norm of (rows, features) data, statistics per row. Forward arguments: source, mean, variance (both
    /// outputs), scale, shift, destination. Backward: source, mean, variance, destination gradient, scale, shift,
    /// then the gradients of source, scale and shift.
    fileprivate func layerNormalization(_ key: LayerNormKey) -> CachedPrimitive {
        cached(key) {
            let flags = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue
            var data = OneDNN.memoryDescriptor([key.rows, key.features], dnnl_ab)
            // A training forward descriptor also serves as the hint the backward descriptor needs.
            var forward = dnnl_layer_normalization_desc_t()
            OneDNN.check(dnnl_layer_normalization_forward_desc_init(&forward, dnnl_forward_training, &data, nil, key.epsilon, flags), "layer norm desc")
            var forwardPD: dnnl_primitive_desc_t?
            OneDNN.check(dnnl_primitive_desc_create(&forwardPD, &forward, nil, engine, nil), "layer norm pd")
            guard key.backward else {
                return makePrimitive(forwardPD!, arguments: OneDNN.executionArguments(
                    [DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DST]))
            }
            var backward = dnnl_layer_normalization_desc_t()
            OneDNN.check(dnnl_layer_normalization_backward_desc_init(&backward, dnnl_backward, &data, &data, nil, key.epsilon, flags),
                         "layer norm backward desc")
            var backwardPD: dnnl_primitive_desc_t?
            OneDNN.check(dnnl_primitive_desc_create(&backwardPD, &backward, nil, engine, forwardPD), "layer norm backward pd")
            dnnl_primitive_desc_destroy(forwardPD)
            return makePrimitive(backwardPD!, arguments: OneDNN.executionArguments(
                [DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_DST, DNNL_ARG_SCALE, DNNL_ARG_SHIFT,
                 DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT]))
        }
    }

    /// `makePrimitive` arguments that take each memory layout from the primitive's own description of that argument.
    static func executionArguments(_ kinds: [Int32]) -> [(kind: Int32, query: dnnl_query_t, index: Int32)] {
        kinds.map { ($0, dnnl_query_exec_arg_md, $0) }
    }
}
