/// Parameter-free layers: activations, dropout, flatten.

/// An element-wise activation as a layer, so it can sit in a `Sequential`.
public final class Activation: Module {
    public enum Kind: String, CaseIterable, Sendable {
        case relu, sigmoid, tanh, gelu, elu, softplus
        case leakyRelu = "leaky_relu"
    }

    public let kind: Kind
    /// Negative slope for leaky ReLU, α for ELU, β for softplus.
    public let parameter: Float

    public init(_ kind: Kind, parameter: Float? = nil) {
        self.kind = kind
        self.parameter = parameter ?? (kind == .leakyRelu ? 0.01 : 1)
        super.init()
    }

    public override var summaryName: String { kind.rawValue }

    public override func forward(_ x: Tensor) -> Tensor {
        switch kind {
        case .relu: return x.relu()
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .gelu: return x.gelu()
        case .elu: return x.elu(alpha: parameter)
        case .softplus: return x.softplus(beta: parameter)
        case .leakyRelu: return x.leakyRelu(negativeSlope: parameter)
        }
    }
}

/// Zeroes each element with probability `rate` during training and scales the rest by 1/(1−rate);
/// the identity in evaluation mode. Masks come from the layer's own seeded generator.
public final class Dropout: Module, Stochastic {
    public let rate: Float
    public var randomGenerator: RandomGenerator

    public init(rate: Float, seed: UInt64 = 0) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1), got \(rate)")
        self.rate = rate
        randomGenerator = RandomGenerator(seed: seed)
        super.init()
    }

    public override var summaryName: String { "Dropout(\(rate))" }

    public override func forward(_ x: Tensor) -> Tensor {
        guard isTraining && rate > 0 else { return x }
        let keep = 1 - rate, scale = 1 / keep
        // A local copy of the generator keeps the per-element draw in registers (the mask is on every training step).
        var generator = randomGenerator
        let mask = [Float](unsafeUninitializedCapacity: x.count) { buffer, initialized in
            for i in 0..<buffer.count { buffer[i] = generator.nextFloat() < keep ? scale : 0 }
            initialized = buffer.count
        }
        randomGenerator = generator
        return x * Tensor(shape: x.shape, scalars: mask)
    }
}

/// Flattens every axis after the batch axis: (N, d1, d2, …) → (N, d1·d2·…).
public final class Flatten: Module {
    public override func forward(_ x: Tensor) -> Tensor {
        x.reshape([x.shape.first ?? 1, -1])
    }
}
