/// Layers applied in order, named `0`, `1`, … as in PyTorch's `nn.Sequential`. Some neighbours run together, with
/// the results of running them one by one (SequentialFusion.swift): in evaluation a convolution and its batch norm,
/// in training a ReLU and the max pool after it.
///
/// ```swift
/// let model = Sequential([Linear(inputSize: 2, outputSize: 8, rng: &rng), ReLU(), Linear(inputSize: 8, outputSize: 1, rng: &rng)])
/// ```
public final class Sequential: Module {
    public let layers: [Module]

    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
    }

    public override var children: [(name: String, module: Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public override func forward(_ x: Tensor) -> Tensor {
        isTraining ? forwardPoolingBeforeReLU(x) : forwardFolding(x)
    }

    /// Runs the layers on `x` and reports each one's output shape (for `summary`).
    public func trace(_ x: Tensor) -> [(name: String, layer: Module, outputShape: [Int])] {
        var current = x
        return children.map { name, layer in
            current = layer(current)
            return (name, layer, current.shape)
        }
    }
}
