/// NumPy broadcasting: shapes align from the right; a dimension of 1 stretches to the other's size.
func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: rank - a.count) + a
    let pb = [Int](repeating: 1, count: rank - b.count) + b
    return zip(pa, pb).map { x, y in
        precondition(x == y || x == 1 || y == 1, "shapes \(a) and \(b) cannot be broadcast together")
        return max(x, y)
    }
}

extension Tensor {
    /// This tensor's layout viewed as `target` (right-aligned, stride 0 on broadcast axes).
    func broadcastLayout(to target: [Int]) -> Layout {
        let padding = target.count - rank
        let own = layout.strides
        let strides = target.indices.map { axis -> Int in
            axis < padding || shape[axis - padding] == 1 ? 0 : own[axis - padding]
        }
        return Layout(shape: target, strides: strides)
    }

    func binary(_ kind: BinaryOp, _ other: Tensor) -> Tensor {
        let shape = broadcastShapes(self.shape, other.shape)
        // Element by element, two tensors of one shape in the same order need no conversion (a residual sum of blocked images).
        if self.shape == other.shape && native.format == other.native.format {
            let out = backend.binary(kind, native, layout, other.native, layout, outShape: shape)
            return .result(shape, out, .binary(kind, self, other), inputs: [self, other])
        }
        let out = backend.binary(kind, storage, broadcastLayout(to: shape), other.storage, other.broadcastLayout(to: shape), outShape: shape)
        return .result(shape, out, .binary(kind, self, other), inputs: [self, other])
    }

    /// Materialises this tensor broadcast to `shape`.
    public func expand(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let out = backend.allocate(target.reduce(1, *))
        backend.copy(storage, broadcastLayout(to: target), into: out, Layout(contiguous: target))
        return .result(target, out, .expand(self), inputs: [self])
    }

    /// Sums a broadcast result back down to `target`: the adjoint of broadcasting.
    func sum(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let padding = rank - target.count
        let axes = (0..<rank).filter { $0 < padding || (target[$0 - padding] == 1 && shape[$0] != 1) }
        return sum(axes: axes, keepDims: true).reshape(target)
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { a.binary(.add, b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.binary(.sub, b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.binary(.mul, b) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.binary(.div, b) }

    public static func + (a: Tensor, s: Float) -> Tensor { a.unary(.affine(scale: 1, shift: s)) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.unary(.affine(scale: 1, shift: s)) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.unary(.affine(scale: 1, shift: -s)) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.unary(.affine(scale: -1, shift: s)) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.unary(.affine(scale: s, shift: 0)) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.unary(.affine(scale: s, shift: 0)) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.unary(.affine(scale: 1 / s, shift: 0)) }
    public static func / (s: Float, a: Tensor) -> Tensor { a.pow(-1) * s }
    public static prefix func - (a: Tensor) -> Tensor { a.unary(.neg) }
}
