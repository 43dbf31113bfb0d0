/// Element-wise functions and activations (forward here, gradients in `Gradients.swift`).
extension Tensor {
    func unary(_ kind: UnaryOp) -> Tensor {
        .result(shape, backend.unary(kind, native, count: count), .unary(kind, self), inputs: [self])
    }

    public func exp() -> Tensor { unary(.exp) }
    public func log() -> Tensor { unary(.log) }
    public func sqrt() -> Tensor { unary(.sqrt) }
    public func abs() -> Tensor { unary(.abs) }
    public func pow(_ exponent: Float) -> Tensor { unary(.pow(exponent)) }
    public func square() -> Tensor { unary(.pow(2)) }
    /// Limits values to [min, max]; the gradient is 1 inside the range (bounds included) and 0 outside, as in PyTorch.
    public func clamp(min: Float = -.infinity, max: Float = .infinity) -> Tensor { unary(.clamp(min: min, max: max)) }

    public func relu() -> Tensor { unary(.relu) }
    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor { unary(.leakyRelu(slope: negativeSlope)) }
    public func elu(alpha: Float = 1) -> Tensor { unary(.elu(alpha: alpha)) }
    /// The exact (erf) GELU, PyTorch's default.
    public func gelu() -> Tensor { unary(.gelu) }
    public func sigmoid() -> Tensor { unary(.sigmoid) }
    public func tanh() -> Tensor { unary(.tanh) }
    /// `log(1 + exp(βx)) / β`, linear above `threshold` for stability, as PyTorch's `Softplus`.
    public func softplus(beta: Float = 1, threshold: Float = 20) -> Tensor { unary(.softplus(beta: beta, threshold: threshold)) }

    /// Splits the shape around `axis` into (outer, axis length, inner) element counts.
    func split(at axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    public func softmax(axis: Int = -1) -> Tensor { softmax(axis: self.axis(axis), log: false) }
    /// Numerically stable `log(softmax(x))`.
    public func logSoftmax(axis: Int = -1) -> Tensor { softmax(axis: self.axis(axis), log: true) }

    private func softmax(axis: Int, log: Bool) -> Tensor {
        let (outer, length, inner) = split(at: axis)
        let out = backend.softmax(storage, outer: outer, axis: length, inner: inner, log: log)
        return .result(shape, out, .softmax(self, axis: axis, log: log), inputs: [self])
    }

    /// `condition != 0 ? a : b` with broadcasting; gradients flow to `a` and `b`, never to the condition.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShapes(broadcastShapes(condition.shape, a.shape), b.shape)
        let c = condition.detached().expand(to: shape), x = a.detached().expand(to: shape), y = b.detached().expand(to: shape)
        let out = a.backend.select(c.storage, x.storage, y.storage, count: c.count)
        return .result(shape, out, .select(condition: condition, a, b), inputs: [a, b])
    }
}
