/// Types the recurrent kernels of a backend work with (`Backend.recurrentForward` / `recurrentBackward`).

/// The recurrent cells the engine implements, with PyTorch's equations, gate order and parameter layouts.
public enum RecurrentCell: String, Hashable, Sendable {
    /// Gates i, f, g, o; state (h, c):  c' = f∘c + i∘g,  h' = o∘tanh(c').
    case lstm
    /// Gates r, z, n; state h:  n = tanh(W_in x + b_in + r∘(W_hn h + b_hn)),  h' = (1 − z)∘n + z∘h.
    case gru

    /// Gates stacked in the rows of `weight_ih` and `weight_hh`: 4 for LSTM, 3 for GRU.
    public var gateCount: Int { self == .lstm ? 4 : 3 }
    /// Whether the cell carries a cell state `c` next to `h` (LSTM).
    public var hasCellState: Bool { self == .lstm }
}

/// Sizes of one recurrent layer run over a batch-first sequence: (N, T, F) → (N, T, H).
public struct RecurrentShape: Hashable, Sendable {
    public var cell: RecurrentCell
    public var batch: Int
    public var steps: Int
    public var inputSize: Int
    public var hiddenSize: Int

    public init(cell: RecurrentCell, batch: Int, steps: Int, inputSize: Int, hiddenSize: Int) {
        self.cell = cell
        self.batch = batch
        self.steps = steps
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }
}

/// The operands of one recurrent layer in PyTorch's layouts, G being the cell's gate count:
/// input (N, T, F), h0 and c0 (N, H), weightIH (G·H, F), weightHH (G·H, H), biasIH and biasHH (G·H).
/// An initial state that is nil starts at zero; biases are nil for a layer without them; c0 is LSTM-only.
///
/// `Value` is `Tensor` for the autograd op and `Storage` for the backend, which returns the gradients in
/// the same shape (nil exactly where the operand is nil).
public struct RecurrentOperands<Value> {
    public var input: Value
    public var h0: Value?
    public var c0: Value?
    public var weightIH: Value
    public var weightHH: Value
    public var biasIH: Value?
    public var biasHH: Value?

    public init(input: Value, h0: Value?, c0: Value?, weightIH: Value, weightHH: Value, biasIH: Value?, biasHH: Value?) {
        self.input = input
        self.h0 = h0
        self.c0 = c0
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.biasIH = biasIH
        self.biasHH = biasHH
    }

    /// Every slot in a fixed order (input, h0, c0, weightIH, weightHH, biasIH, biasHH), nil where absent.
    public var slots: [Value?] { [input, h0, c0, weightIH, weightHH, biasIH, biasHH] }

    public func map<Other>(_ transform: (Value) -> Other) -> RecurrentOperands<Other> {
        RecurrentOperands<Other>(input: transform(input), h0: h0.map(transform), c0: c0.map(transform),
                                 weightIH: transform(weightIH), weightHH: transform(weightHH),
                                 biasIH: biasIH.map(transform), biasHH: biasHH.map(transform))
    }
}
