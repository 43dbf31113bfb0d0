/// How `Sequential` runs neighbouring layers together, with the values and gradients of running them one by one.
extension Sequential {
    /// Evaluation: each `Conv2D` + `BatchNorm` (+ ReLU) as one folded convolution (see BatchNormFolding.swift).
    func forwardFolding(_ x: Tensor) -> Tensor {
        forward(x) { index, y in
            guard let convolution = layers[index] as? Conv2D, let norm = layer(index + 1) as? BatchNorm, convolution.canFold(norm) else {
                return nil
            }
            let relu = (layer(index + 2) as? Activation)?.kind == .relu
            return (convolution.foldingNorm(norm, relu: relu, y), relu ? 3 : 2)
        }
    }

    /// Training: a ReLU followed by a max pool (a separate layer, or a convolution's own) runs as the pool, then the
    /// ReLU. The two commute exactly, ReLU being monotonic: the largest of the activated values is the activation
    /// of the largest, and a window with no positive value gives 0 and no gradient either way. The ReLU and its
    /// gradient mask then pass over the pooled values only, a quarter of them for 2×2 windows (Keras's
    /// mnist_convnet: 0.3 s of a 7 s epoch). Evaluation keeps the ReLU fused into the convolution, where it costs
    /// no pass of its own.
    func forwardPoolingBeforeReLU(_ x: Tensor) -> Tensor {
        forward(x) { index, y in
            guard let pool = layer(index + 1) as? MaxPool2D else { return nil }
            if let convolution = layers[index] as? Conv2D, convolution.config.activation == .relu {
                return (pool(convolution.config.convolve(y, weight: convolution.weight, bias: convolution.bias, relu: false)).relu(), 2)
            }
            return (layers[index] as? Activation)?.kind == .relu ? (pool(y).relu(), 2) : nil
        }
    }

    /// The layers in order, except where `fused(index, input)` runs the layers from `index` on together: it returns
    /// their output and how many layers it ran, or nil to run layer `index` alone.
    private func forward(_ x: Tensor, fusing fused: (_ index: Int, _ input: Tensor) -> (output: Tensor, layers: Int)?) -> Tensor {
        var y = x, index = 0
        while index < layers.count {
            if let (output, count) = fused(index, y) {
                y = output
                index += count
            } else {
                y = layers[index](y)
                index += 1
            }
        }
        return y
    }

    private func layer(_ index: Int) -> Module? {
        index < layers.count ? layers[index] : nil
    }
}
