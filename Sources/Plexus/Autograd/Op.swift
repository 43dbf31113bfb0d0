/// How a tensor was computed: the operation and the inputs (and whatever else) its gradient rule needs.
/// The rules themselves are all in `Gradients.swift`.
enum Op {
    case unary(UnaryOp, Tensor)
    case binary(BinaryOp, Tensor, Tensor)
    /// `a · b`, or `a · bᵀ` with `transposeB` (Linear uses it to skip materialising `weightᵀ`).
    case matmul(Tensor, Tensor, transposeB: Bool)
    case sum(Tensor, axes: [Int])
    /// max or min over axes; the gradient goes to the extreme elements (split evenly between ties).
    case extreme(Tensor, axes: [Int])
    case reshape(Tensor)
    case expand(Tensor)
    case permute(Tensor, [Int])
    case slice(Tensor, axis: Int, start: Int, step: Int)
    case concat([Tensor], axis: Int)
    case indexSelect(Tensor, outer: Int, axis: Int, inner: Int, indices: [Int])
    case select(condition: Tensor, Tensor, Tensor)
    case softmax(Tensor, axis: Int, log: Bool)
    /// One LSTM or GRU layer over a whole sequence: forward and backward through time are one kernel each.
    /// The workspace is what the forward kernel kept for the backward one.
    case recurrent(RecurrentShape, RecurrentOperands<Tensor>, workspace: Storage)
    /// Batch or layer normalisation with its weight and bias, and the statistics it normalised with.
    case normalization(Tensor, weight: Tensor, bias: Tensor, Normalization, NormalizationStatistics, fixedStatistics: Bool, epsilon: Float)
    case upsample(Tensor, UpsampleGeometry)
    /// Convolution or transposed convolution; `bias` is nil for a layer without one.
    case convolution(Tensor, weight: Tensor, bias: Tensor?, ConvolutionGeometry)
    /// Max or average pooling; max pooling's workspace records where each maximum was.
    case pooling(Tensor, PoolingGeometry, workspace: Storage?)

    var inputs: [Tensor] {
        switch self {
        case .unary(_, let x), .sum(let x, _), .extreme(let x, _), .reshape(let x), .expand(let x), .permute(let x, _),
             .slice(let x, _, _, _), .indexSelect(let x, _, _, _, _), .softmax(let x, _, _), .upsample(let x, _),
             .pooling(let x, _, _):
            return [x]
        case .convolution(let x, let weight, let bias, _): return [x, weight] + (bias.map { [$0] } ?? [])
        case .normalization(let x, let weight, let bias, _, _, _, _): return [x, weight, bias]
        case .binary(_, let a, let b), .matmul(let a, let b, _): return [a, b]
        case .concat(let parts, _): return parts
        case .select(let condition, let a, let b): return [condition, a, b]
        case .recurrent(_, let operands, _): return operands.slots.compactMap { $0 }
        }
    }
}

/// Whether operations record the graph. Off inside `withoutGradient` (inference, optimizer updates, gradient rules).
public enum Autograd {
    /// The engine runs one training loop per process; this flag is not meant to be toggled from several threads.
    nonisolated(unsafe) public private(set) static var isEnabled = true

    /// Runs `body` without recording operations, like `torch.no_grad()`.
    public static func withoutGradient<T>(_ body: () throws -> T) rethrows -> T {
        let previous = isEnabled
        isEnabled = false
        defer { isEnabled = previous }
        return try body()
    }
}

extension Tensor {
    /// Wraps a kernel's result, recording `op` when gradients are on and any input needs them.
    static func result(_ shape: [Int], _ storage: Storage, _ op: @autoclosure () -> Op, inputs: [Tensor]) -> Tensor {
        Tensor(shape: shape, storage: storage, op: willRecord(inputs) ? op() : nil)
    }

    /// Whether an op on `inputs` will be recorded: kernels with a cheaper inference mode use it when not.
    static func willRecord(_ inputs: [Tensor]) -> Bool {
        Autograd.isEnabled && inputs.contains { $0.requiresGrad }
    }

    /// Back-propagates from this tensor: `gradient` defaults to 1 for a scalar. Gradients accumulate into
    /// the `grad` of every leaf that requires them; the graph is released afterwards unless `retainGraph`.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
        precondition(requiresGrad, "backward() on a tensor that does not require gradients")
        precondition(gradient != nil || count == 1, "backward() without a gradient needs a scalar, shape is \(shape)")
        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): gradient ?? Tensor.ones(shape)]
        Autograd.withoutGradient {
            for tensor in order.reversed() {
                guard let g = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                guard let op = tensor.op else {
                    tensor.grad = tensor.grad.map { $0 + g } ?? g
                    continue
                }
                for (input, inputGradient) in zip(op.inputs, Gradients.of(op, output: tensor, gradient: g)) {
                    guard input.requiresGrad, let inputGradient else { continue }
                    let key = ObjectIdentifier(input)
                    pending[key] = pending[key].map { $0 + inputGradient } ?? inputGradient
                }
                if !retainGraph { tensor.op = nil }
            }
        }
    }

    /// Tensors reachable from self through recorded ops, each after all of its inputs (iterative DFS:
    /// unrolled recurrent graphs are deep enough to overflow a recursive one).
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited: Set<ObjectIdentifier> = []
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.op?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}
