import Plexus

/// Where each ONNX gate block comes from in Plexus's weights, which use PyTorch's gate order. This is the one place
/// the orders are translated.
struct GateOrder {
    /// ONNX LSTM gate blocks i, o, f, c taken from PyTorch's i, f, g, o: block `lstm[k]` becomes block k.
    let lstm: [Int]
    /// ONNX GRU gate blocks z, r, h taken from PyTorch's r, z, n.
    let gru: [Int]

    static let onnx = GateOrder(lstm: [0, 3, 1, 2], gru: [1, 0, 2])

    func blocks(_ cell: RecurrentCell) -> [Int] { cell == .lstm ? lstm : gru }
}

/// `lstm` and `gru` stacks over batch-first (N, T, F) sequences, one ONNX LSTM or GRU node per layer. ONNX Runtime
/// runs these time-major only (`layout` 0), so the sequence is transposed to (T, N, F) on the way in. GRU uses
/// `linear_before_reset = 1`: PyTorch applies the reset gate after the hidden state's matrix product and bias.
extension LayerExporter {
    mutating func recurrent(_ layer: RecurrentLayer, name: String, input: String) -> String {
        let config = layer.config, cell = layer.cell
        let op = cell == .lstm ? "LSTM" : "GRU"
        var attributes: [Onnx_AttributeProto] = [.int("hidden_size", config.hiddenSize)]
        if cell == .gru { attributes.append(.int("linear_before_reset", 1)) }
        var sequence = graph.node("Transpose", [input], [.ints("perm", [1, 0, 2])], hint: name)  // (T, N, F)
        var lastState = sequence
        for (index, weights) in layer.weights.enumerated() {
            let prefix = "\(name).l\(index)"
            let w = graph.initializer(prefix + ".W", shape: [1] + weights.weightIH.shape, values: reordered(weights.weightIH, cell))
            let r = graph.initializer(prefix + ".R", shape: [1] + weights.weightHH.shape, values: reordered(weights.weightHH, cell))
            var bias = ""
            if let biasIH = weights.biasIH, let biasHH = weights.biasHH {
                bias = graph.initializer(prefix + ".B", shape: [1, 2 * biasIH.count], values: reordered(biasIH, cell) + reordered(biasHH, cell))
            }
            let outputs = graph.node(op, [sequence, w, r, bias], attributes, outputs: 2, hint: prefix)
            // Y is (T, directions = 1, N, H); Y_h is (1, N, H).
            sequence = graph.node("Squeeze", [outputs[0], graph.int64s(prefix + ".direction_axis", [1])], hint: prefix)
            lastState = outputs[1]
        }
        if config.returnSequences { return graph.node("Transpose", [sequence], [.ints("perm", [1, 0, 2])], hint: name) }
        return graph.node("Squeeze", [lastState, graph.int64s(name + ".layer_axis", [0])], hint: name)
    }

    /// The gate blocks of a (G·H, …) weight or (G·H) bias in ONNX's order.
    private func reordered(_ tensor: Tensor, _ cell: RecurrentCell) -> [Float] {
        let values = tensor.scalars, blocks = gateOrder.blocks(cell)
        let blockSize = values.count / blocks.count
        return blocks.flatMap { values[($0 * blockSize)..<(($0 + 1) * blockSize)] }
    }
}
