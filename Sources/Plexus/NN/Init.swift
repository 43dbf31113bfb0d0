/// Weight initialisers. Fan-in and fan-out follow PyTorch: for a weight of shape (out, in, k…),
/// fan-in = in·∏k and fan-out = out·∏k.
public enum Initializer: Sendable, Equatable {
    /// Glorot/Xavier uniform: U(±√(6 / (fanIn + fanOut))).
    case glorotUniform
    /// Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)).
    case glorotNormal
    /// He/Kaiming uniform for ReLU: U(±√(6 / fanIn)).
    case heUniform
    /// He/Kaiming normal for ReLU: N(0, 2 / fanIn).
    case heNormal
    /// PyTorch's default for Linear and Conv weights: kaiming_uniform(a = √5) = U(±1/√fanIn).
    case pytorchDefault
    case zeros

    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "fan-in/fan-out need a weight of rank >= 2, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    public func make(_ shape: [Int], rng: inout RandomGenerator) -> Tensor {
        if self == .zeros { return Tensor.zeros(shape) }
        let (fanIn, fanOut) = Initializer.fans(shape)
        switch self {
        case .glorotUniform: return uniform(shape, bound: (6 / Float(fanIn + fanOut)).squareRoot(), &rng)
        case .glorotNormal: return Tensor.normal(shape, std: (2 / Float(fanIn + fanOut)).squareRoot(), using: &rng)
        case .heUniform: return uniform(shape, bound: (6 / Float(fanIn)).squareRoot(), &rng)
        case .heNormal: return Tensor.normal(shape, std: (2 / Float(fanIn)).squareRoot(), using: &rng)
        case .pytorchDefault: return uniform(shape, bound: 1 / Float(fanIn).squareRoot(), &rng)
        case .zeros: return Tensor.zeros(shape)
        }
    }

    /// PyTorch's default bias: U(±1/√fanIn) of the layer's weight.
    public static func pytorchBias(_ count: Int, fanIn: Int, rng: inout RandomGenerator) -> Tensor {
        Tensor.uniform([count], low: -1 / Float(fanIn).squareRoot(), high: 1 / Float(fanIn).squareRoot(), using: &rng)
    }

    private func uniform(_ shape: [Int], bound: Float, _ rng: inout RandomGenerator) -> Tensor {
        Tensor.uniform(shape, low: -bound, high: bound, using: &rng)
    }
}
