extension Tensor {
    /// Sorted, non-negative axes; nil means all.
    func reductionAxes(_ axes: [Int]?) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return Set(axes.map { axis($0) }).sorted()
    }

    private func reduced(_ axes: [Int], keepDims: Bool) -> [Int] {
        keepDims ? Gradients.keptShape(shape, axes) : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axes = reductionAxes(axes)
        let out = backend.reduce(.sum, storage, shape: shape, axes: axes)
        return .result(reduced(axes, keepDims: keepDims), out, .sum(self, axes: axes), inputs: [self])
    }

    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axes = reductionAxes(axes)
        let n = axes.reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) / Float(n)
    }

    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extreme(.max, axes, keepDims) }
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extreme(.min, axes, keepDims) }

    private func extreme(_ kind: ReduceOp, _ axes: [Int]?, _ keepDims: Bool) -> Tensor {
        let axes = reductionAxes(axes)
        let out = backend.reduce(kind, storage, shape: shape, axes: axes)
        return .result(reduced(axes, keepDims: keepDims), out, .extreme(self, axes: axes), inputs: [self])
    }

    /// Variance over `axes`, dividing by `n - correction` (0: population variance as NumPy; 1: PyTorch's default).
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 0) -> Tensor {
        let axes = reductionAxes(axes)
        let n = axes.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(axes: axes, keepDims: true)
        return (centered * centered).sum(axes: axes, keepDims: keepDims) / Float(Swift.max(n - correction, 0))
    }

    /// Index of the largest value along `axis` for every other position (not differentiable).
    public func argmax(axis: Int = -1) -> [Int] {
        let (outer, length, inner) = split(at: self.axis(axis))
        let values = scalars
        return (0..<(outer * inner)).map { line in
            let base = (line / inner) * length * inner + line % inner
            var best = 0
            for j in 1..<Swift.max(length, 1) where values[base + j * inner] > values[base + best * inner] { best = j }
            return best
        }
    }
}
