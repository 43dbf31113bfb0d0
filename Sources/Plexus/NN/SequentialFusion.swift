/// How `Sequential` runs neighbouring layers together, with the values and gradients of running them one by one.
extension Sequential {
    /// Evaluation: each `Conv2D` + `BatchNorm` (+ ReLU) as one folded convolution (see BatchNormFolding.swift).
    func forwardFolding(_ x: Tensor) -> Tensor {
        var y = x, index = 0
        while index < layers.count {
            if let convolution = layers[index] as? Conv2D, let norm = layer(index + 1) as? BatchNorm, convolution.canFold(norm) {
                let relu = (layer(index + 2) as? Activation)?.kind == .relu
                y = convolution.foldingNorm(norm, relu: relu, y)
                index += relu ? 3 : 2
            } else {
                y = layers[index](y)
                index += 1
            }
        }
        return y
    }

    /// Training: a ReLU followed by a max pool (a separate layer, or a convolution's own) runs as the pool, then the
    /// ReLU. The two commute exactly, ReLU being monotonic: the largest of the activated values is the activation
    /// of the largest, and a window with no positive value gives 0 and no gradient either way. The ReLU and its
    /// gradient mask then pass over the pooled values only, a quarter of them for 2×2 windows (Keras's
    /// mnist_convnet: 0.3 s of a 7 s epoch). Evaluation keeps the ReLU fused into the convolution, where it costs
    /// no pass of its own.
    func forwardPoolingBeforeReLU(_ x: Tensor) -> Tensor {
        var y = x, index = 0
        while index < layers.count {
            if let pool = layer(index + 1) as? MaxPool2D, let convolution = layers[index] as? Conv2D, convolution.config.activation == .relu {
                y = pool(convolution.config.convolve(y, weight: convolution.weight, bias: convolution.bias, relu: false)).relu()
                index += 2
            } else if let pool = layer(index + 1) as? MaxPool2D, (layers[index] as? Activation)?.kind == .relu {
                y = pool(y).relu()
                index += 2
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
