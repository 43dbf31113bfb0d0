/// Recurrent layers as single autograd ops: one node per layer and sequence, however many time steps,
/// so back-propagation through time is one backend call instead of a graph of per-step cells.
extension Tensor {
    /// Runs one LSTM or GRU layer over `operands.input` (N, T, F) and returns every step's hidden state (N, T, H).
    /// Shapes and gate order are PyTorch's (see `RecurrentOperands`); the gradient rule is in `Gradients.swift`.
    static func recurrent(_ cell: RecurrentCell, _ operands: RecurrentOperands<Tensor>) -> Tensor {
        let x = operands.input
        precondition(x.rank == 3 && x.shape.allSatisfy { $0 > 0 }, "\(cell.rawValue): input must be a non-empty (N, T, F), got \(x.shape)")
        let (n, t, f) = (x.shape[0], x.shape[1], x.shape[2])
        let h = operands.weightHH.shape.last ?? 0
        let gates = cell.gateCount * h
        func expect(_ tensor: Tensor?, _ shape: [Int], _ name: String) {
            guard let tensor else { return }
            precondition(tensor.shape == shape, "\(cell.rawValue): \(name) must have shape \(shape), got \(tensor.shape)")
        }
        expect(operands.weightIH, [gates, f], "weight_ih")
        expect(operands.weightHH, [gates, h], "weight_hh")
        expect(operands.biasIH, [gates], "bias_ih")
        expect(operands.biasHH, [gates], "bias_hh")
        expect(operands.h0, [n, h], "h0")
        expect(operands.c0, [n, h], "c0")
        precondition(operands.c0 == nil || cell.hasCellState, "\(cell.rawValue): only an LSTM has a cell state c0")

        let shape = RecurrentShape(cell: cell, batch: n, steps: t, inputSize: f, hiddenSize: h)
        let inputs = operands.slots.compactMap { $0 }
        // The workspace for the backward pass is only kept when this op is recorded.
        let (output, workspace) = x.backend.recurrentForward(shape, operands.map(\.storage), training: Tensor.willRecord(inputs))
        return .result([n, t, h], output, .recurrent(shape, operands, workspace: workspace!), inputs: inputs)
    }
}
