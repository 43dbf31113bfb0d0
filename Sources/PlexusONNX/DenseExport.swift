import Plexus

/// Layers that act on the last axis or element by element: linear, activations, embedding, layer_norm.
extension LayerExporter {
    /// `linear`: Gemm on (N, in) input; on longer shapes (a sequence's every step) MatMul by the transposed weight and
    /// Add, which broadcast over the leading axes as PyTorch's `F.linear` does. `rank` counts the batch axis.
    mutating func linear(_ linear: Linear, name: String, input: String, rank: Int) -> String {
        if rank == 2 {
            let weight = graph.initializer(name + ".weight", linear.weight)
            let bias = linear.bias.map { graph.initializer(name + ".bias", $0) }
            return graph.node("Gemm", [input, weight] + (bias.map { [$0] } ?? []), [.int("transB", 1)], hint: name)
        }
        let weight = graph.initializer(name + ".weight_transposed", linear.weight.transposed())
        let product = graph.node("MatMul", [input, weight], hint: name)
        guard let bias = linear.bias else { return product }
        return graph.node("Add", [product, graph.initializer(name + ".bias", bias)], hint: name)
    }

    /// Every activation of `Activation.Kind`. GELU is the exact (erf) form, which opset 17 has no single operator
    /// for; softplus keeps PyTorch's β and its linear region above βx = 20.
    mutating func activation(_ kind: Activation.Kind, parameter: Float, input: String, hint: String) -> String {
        switch kind {
        case .relu: return graph.node("Relu", [input], hint: hint)
        case .sigmoid: return graph.node("Sigmoid", [input], hint: hint)
        case .tanh: return graph.node("Tanh", [input], hint: hint)
        case .elu: return graph.node("Elu", [input], [.float("alpha", parameter)], hint: hint)
        case .leakyRelu: return graph.node("LeakyRelu", [input], [.float("alpha", parameter)], hint: hint)
        case .gelu:
            // x · (1 + erf(x / √2)) / 2
            let scaled = graph.node("Mul", [input, graph.scalar(hint + ".inverse_sqrt2", Float(0.5).squareRoot())], hint: hint)
            let onePlus = graph.node("Add", [graph.node("Erf", [scaled], hint: hint), graph.scalar(hint + ".one", 1)], hint: hint)
            return graph.node("Mul", [graph.node("Mul", [input, onePlus], hint: hint), graph.scalar(hint + ".half", 0.5)], hint: hint)
        case .softplus:
            // where(βx > 20, x, log(1 + exp(βx)) / β)
            let beta = graph.scalar(hint + ".beta", parameter)
            let scaled = graph.node("Mul", [input, beta], hint: hint)
            let smooth = graph.node("Div", [graph.node("Softplus", [scaled], hint: hint), beta], hint: hint)
            let linearRegion = graph.node("Greater", [scaled, graph.scalar(hint + ".threshold", 20)], hint: hint)
            return graph.node("Where", [linearRegion, input, smooth], hint: hint)
        }
    }

    /// `embedding`: the graph input holds indices as floats (Plexus tensors are float32), cast to int64 for Gather.
    mutating func embedding(_ embedding: Embedding, name: String, input: String) -> String {
        let indices = graph.node("Cast", [input], [.int("to", Int(Onnx_TensorProto.DataType.int64.rawValue))], hint: name)
        return graph.node("Gather", [graph.initializer(name + ".weight", embedding.weight), indices], [.int("axis", 0)], hint: name)
    }

    /// `layer_norm` over the trailing `normalizedShape` axes: LayerNormalization (opset 17) from axis −dims.
    mutating func layerNorm(_ norm: LayerNorm, name: String, input: String) -> String {
        graph.node("LayerNormalization", [input, graph.initializer(name + ".weight", norm.weight), graph.initializer(name + ".bias", norm.bias)],
                   [.int("axis", -norm.config.normalizedShape.count), .float("epsilon", norm.config.epsilon)], hint: name)
    }
}
