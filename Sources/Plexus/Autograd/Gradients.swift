/// Every gradient rule of the engine, in one place. Each returns, per input of the op, the gradient of the
/// loss with respect to that input (nil for inputs that take none), given the output and its gradient.
/// Rules run with recording off and are written with ordinary tensor ops, so any backend gets them for free.
enum Gradients {
    static func of(_ op: Op, output y: Tensor, gradient g: Tensor) -> [Tensor?] {
        switch op {
        case .unary(let kind, let x):
            // Element by element, in x's order, whichever it is.
            let gradient = x.backend.converted(g.native, shape: x.shape, to: x.native.format)
            return [Tensor(shape: x.shape, storage: x.backend.unaryBackward(kind, x: x.native, y: y.native, gradient: gradient, count: x.count))]

        case .binary(let kind, let a, let b):
            switch kind {
            case .add: return [g.sum(to: a.shape), g.sum(to: b.shape)]
            case .sub: return [g.sum(to: a.shape), (-g).sum(to: b.shape)]
            case .mul: return [(g * b).sum(to: a.shape), (g * a).sum(to: b.shape)]
            case .div: return [(g / b).sum(to: a.shape), (-g * y / b).sum(to: b.shape)]
            }

        case .matmul(let a, let b, let transposeB):
            // y = a·b: dA = G·bᵀ, dB = aᵀ·G.  y = a·bᵀ: dA = G·b, dB = Gᵀ·a.
            let gradA = Tensor.product(g, b, transposeB: !transposeB).sum(to: a.shape)
            var (left, right) = (a, g)
            if b.rank == 2 && a.rank > 2 {
                // A matrix shared by a batch gets one product over the stacked batch.
                left = a.reshape([-1, a.shape[a.rank - 1]])
                right = g.reshape([-1, g.shape[g.rank - 1]])
            }
            let gradB = transposeB ? Tensor.product(right, left, transposeA: true) : Tensor.product(left, right, transposeA: true)
            return [gradA, gradB.sum(to: b.shape)]

        case .sum(let x, let axes):
            return [g.reshape(keptShape(x.shape, axes)).expand(to: x.shape)]

        case .extreme(let x, let axes):
            let kept = keptShape(x.shape, axes)
            let mask = Tensor(shape: x.shape, storage: x.backend.equalMask(x.storage, y.reshape(kept).expand(to: x.shape).storage, count: x.count))
            let ties = mask.sum(axes: axes, keepDims: true)
            return [mask * (g.reshape(kept) / ties)]

        case .reshape(let x):
            return [g.reshape(x.shape)]

        case .expand(let x):
            return [g.sum(to: x.shape)]

        case .permute(_, let dims):
            var inverse = [Int](repeating: 0, count: dims.count)
            for (position, axis) in dims.enumerated() { inverse[axis] = position }
            return [g.permuted(inverse)]

        case .slice(let x, let axis, let start, let step):
            let out = Tensor.zeros(x.shape)
            var strides = x.layout.strides
            let offset = start * strides[axis]
            strides[axis] *= step
            x.backend.copy(g.storage, g.layout, into: out.storage, Layout(shape: g.shape, strides: strides, offset: offset))
            return [out]

        case .concat(let parts, let axis):
            var start = 0
            return parts.map { part in
                defer { start += part.shape[axis] }
                return g.slice(axis: axis, start: start, end: start + part.shape[axis])
            }

        case .indexSelect(let x, let outer, let axis, let inner, let indices):
            return [Tensor(shape: x.shape, storage: x.backend.indexAdd(g.storage, outer: outer, axis: axis, inner: inner, indices: indices))]

        case .select(let condition, let a, let b):
            let zeros = Tensor.zeros(g.shape)
            return [nil, Tensor.where(condition, g, zeros).sum(to: a.shape), Tensor.where(condition, zeros, g).sum(to: b.shape)]

        case .softmax(let x, let axis, let log):
            let (outer, length, inner) = x.split(at: axis)
            return [Tensor(shape: x.shape, storage: x.backend.softmaxBackward(y: y.storage, gradient: g.storage,
                                                                              outer: outer, axis: length, inner: inner, log: log))]

        case .recurrent(let shape, let operands, let workspace):
            // Back-propagation through time in one kernel, which returns a gradient for every operand present.
            let grads = operands.input.backend.recurrentBackward(shape, operands.map(\.storage), output: y.storage,
                                                                 workspace: workspace, gradient: g.storage)
            return zip(operands.slots, grads.slots).compactMap { operand, grad in
                operand.map { Tensor(shape: $0.shape, storage: grad!) }
            }

        case .normalization(let x, let weight, let bias, let kind, let statistics, let fixedStatistics, let epsilon):
            // One kernel: with computed statistics the input gradient includes their dependence on x.
            let grads = x.backend.normalizeBackward(kind, x.normalizationInput(kind), gradient: g.normalizationInput(kind), weight: weight.storage,
                                                    statistics: statistics, fixedStatistics: fixedStatistics, epsilon: epsilon)
            return [Tensor(shape: x.shape, storage: grads.input), Tensor(shape: weight.shape, storage: grads.weight),
                    Tensor(shape: bias.shape, storage: grads.bias)]

        case .upsample(let x, let geometry):
            return [Tensor(shape: x.shape, storage: x.backend.upsampleBackward(g.storage, geometry))]

        case .convolution(let x, let weight, let bias, let geometry):
            // The input's gradient is skipped when not needed (an image batch), which saves a whole kernel.
            let grads = x.backend.convolutionBackward(g.native, input: x.native, weight: weight.storage, output: y.native, geometry,
                                                      inputGradient: x.requiresGrad,
                                                      parameterGradients: weight.requiresGrad || bias?.requiresGrad == true)
            return [grads.input.map { Tensor(shape: x.shape, storage: $0) }, grads.weight.map { Tensor(shape: weight.shape, storage: $0) }]
                + (bias.map { b in [grads.bias.map { Tensor(shape: b.shape, storage: $0) }] } ?? [])

        case .pooling(let x, let geometry, let workspace):
            return [Tensor(shape: x.shape, storage: x.backend.poolBackward(g.native, workspace: workspace, geometry, inputFormat: x.native.format))]
        }
    }

    /// `shape` with the reduced `axes` kept as size 1.
    static func keptShape(_ shape: [Int], _ axes: [Int]) -> [Int] {
        shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    }
}
