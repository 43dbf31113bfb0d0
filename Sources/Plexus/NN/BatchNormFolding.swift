/// Batch norm folded into the convolution before it, for evaluation and inference. With its running statistics a
/// batch norm is `y = x·scale + shift` per channel (`scale = γ / √(var + ε)`, `shift = β − mean·scale`), so one
/// convolution with each output channel's weights multiplied by its `scale` and a bias of `shift` (plus the scaled
/// convolution bias) computes both, and its kernel applies a following ReLU too: one pass over the output instead
/// of three. ONNX Runtime and TensorRT fold the same way. Training keeps the layers apart: batch norm then
/// normalises with each batch's own statistics.
///
/// `Sequential` folds a `Conv2D` followed by a `BatchNorm` (and a ReLU) (SequentialFusion.swift), `ResidualBlock`
/// its own pairs. The folded
/// weights are recomputed on every call (a few small tensors), so they always follow the layers' current values.
extension ConvolutionLayer where Config == Conv2DConfig {
    /// Whether this convolution and `norm` may run folded: both in evaluation mode, and no activation of the
    /// convolution's own between them.
    func canFold(_ norm: BatchNorm) -> Bool {
        !isTraining && !norm.isTraining && config.activation == nil && norm.config.features == config.outputChannels
    }

    /// `norm(self(x))`, then ReLU when `relu`, as one convolution; only where `canFold(norm)`.
    func foldingNorm(_ norm: BatchNorm, relu: Bool, _ x: Tensor) -> Tensor {
        let scale = norm.weight / (norm.runningVariance + norm.config.epsilon).sqrt()  // (C_out)
        var shift = norm.bias - norm.runningMean * scale                               // (C_out)
        if let bias { shift = shift + bias * scale }
        return config.convolve(x, weight: weight * scale.reshape([-1, 1, 1, 1]), bias: shift, relu: relu)
    }
}
