/// Configuration of a stack of LSTM or GRU layers.
public struct RecurrentConfig: Sendable {
    /// Features per time step of the input (N, T, inputSize).
    public var inputSize: Int
    public var hiddenSize: Int
    public var layers: Int
    /// Return every step's hidden state of the last layer, (N, T, H), or only the final one, (N, H), as Keras's
    /// `return_sequences`.
    public var returnSequences: Bool
    /// Dropout on the outputs of every layer but the last, in training mode only (PyTorch's `dropout`).
    public var dropout: Float
    public var bias: Bool

    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, returnSequences: Bool = false, dropout: Float = 0, bias: Bool = true) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.returnSequences = returnSequences
        self.dropout = dropout
        self.bias = bias
    }
}

/// The parameters of one layer of a recurrent stack, G being the cell's gate count:
/// weight_ih (G·H, in), weight_hh (G·H, H), bias_ih and bias_hh (G·H).
public struct RecurrentWeights {
    public let weightIH: Tensor
    public let weightHH: Tensor
    public let biasIH: Tensor?
    public let biasHH: Tensor?
}

/// A stack of recurrent layers over batch-first sequences (N, T, F), with PyTorch's parameter names
/// (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `…_l1`), shapes, gate order and default
/// initialisation U(±1/√H), so weights move between Plexus and `torch.nn.LSTM` / `torch.nn.GRU` by name.
/// Use it through `LSTM` and `GRU`.
///
/// Each layer of each sequence is one autograd op: the forward pass and back-propagation through time
/// run as single oneDNN primitives.
public class RecurrentLayer: Module {
    public let cell: RecurrentCell
    public let config: RecurrentConfig
    /// One entry per layer, bottom first.
    public let weights: [RecurrentWeights]
    /// Applied between layers in training mode; nil without dropout.
    private let interLayerDropout: Dropout?

    init(_ cell: RecurrentCell, _ config: RecurrentConfig, rng: inout RandomGenerator) {
        precondition(config.inputSize > 0 && config.hiddenSize > 0 && config.layers > 0,
                     "\(cell.rawValue): sizes and layer count must be positive")
        self.cell = cell
        self.config = config
        let gates = cell.gateCount * config.hiddenSize
        let bound = 1 / Float(config.hiddenSize).squareRoot()
        func uniform(_ shape: [Int]) -> Tensor {
            Tensor.uniform(shape, low: -bound, high: bound, using: &rng).asParameter()
        }
        weights = (0..<config.layers).map { layer in
            RecurrentWeights(weightIH: uniform([gates, layer == 0 ? config.inputSize : config.hiddenSize]),
                             weightHH: uniform([gates, config.hiddenSize]),
                             biasIH: config.bias ? uniform([gates]) : nil,
                             biasHH: config.bias ? uniform([gates]) : nil)
        }
        interLayerDropout = config.dropout > 0 && config.layers > 1 ? Dropout(rate: config.dropout, seed: rng.next()) : nil
        super.init()
    }

    /// The inter-layer dropout, so its random stream is saved with a `TrainingState` (it has no parameters).
    public override var children: [(name: String, module: Module)] {
        interLayerDropout.map { [("dropout", $0)] } ?? []
    }

    public override var ownParameters: [(name: String, tensor: Tensor)] {
        weights.enumerated().flatMap { layer, w -> [(name: String, tensor: Tensor)] in
            [("weight_ih_l\(layer)", w.weightIH), ("weight_hh_l\(layer)", w.weightHH)]
                + (w.biasIH.map { [("bias_ih_l\(layer)", $0)] } ?? [])
                + (w.biasHH.map { [("bias_hh_l\(layer)", $0)] } ?? [])
        }
    }

    public override var summaryName: String {
        "\(cell.rawValue.uppercased())(\(config.inputSize) → \(config.hiddenSize)\(config.layers > 1 ? ", \(config.layers) layers" : ""))"
    }

    public override func forward(_ x: Tensor) -> Tensor { forward(x, h0: nil, c0: nil) }

    /// Runs the stack over `x` (N, T, F) from initial states `h0` (and `c0` for an LSTM), each (layers, N, H)
    /// as in PyTorch; nil starts from zeros. Returns (N, T, H) or, without `returnSequences`, (N, H).
    public func forward(_ x: Tensor, h0: Tensor?, c0: Tensor? = nil) -> Tensor {
        precondition(x.rank == 3 && x.shape[2] == config.inputSize,
                     "\(summaryName) expects input (N, T, \(config.inputSize)), got shape \(x.shape)")
        let (n, t, h) = (x.shape[0], x.shape[1], config.hiddenSize)
        for state in [h0, c0].compactMap({ $0 }) {
            precondition(state.shape == [config.layers, n, h], "\(summaryName): initial states must be (\(config.layers), \(n), \(h)), got \(state.shape)")
        }
        /// Layer `layer`'s slice (N, H) of a (layers, N, H) state.
        func initial(_ state: Tensor?, _ layer: Int) -> Tensor? {
            state.map { config.layers == 1 ? $0.reshape([n, h]) : $0.slice(axis: 0, start: layer, end: layer + 1).reshape([n, h]) }
        }
        var sequence = x
        for (layer, w) in weights.enumerated() {
            if layer > 0, isTraining, let interLayerDropout { sequence = interLayerDropout(sequence) }
            sequence = Tensor.recurrent(cell, RecurrentOperands(input: sequence, h0: initial(h0, layer), c0: initial(c0, layer),
                                                                weightIH: w.weightIH, weightHH: w.weightHH,
                                                                biasIH: w.biasIH, biasHH: w.biasHH))  // (N, T, H)
        }
        return config.returnSequences ? sequence : sequence.slice(axis: 1, start: t - 1, end: t).reshape([n, h])
    }
}

/// Long short-term memory layers, as `torch.nn.LSTM(batch_first=True)`: gates i, f, g, o.
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let lstm = LSTM(RecurrentConfig(inputSize: 1, hiddenSize: 64), rng: &rng)
/// let x = Tensor.zeros([32, 60, 1])                          // (N, T, F)
/// let last = lstm(x)                                         // (32, 64): the hidden state after step 60
/// let state = Tensor.zeros([1, 32, 64])                      // (layers, N, H)
/// let fromState = lstm.forward(x, h0: state, c0: state)
/// ```
public final class LSTM: RecurrentLayer {
    public init(_ config: RecurrentConfig, rng: inout RandomGenerator) {
        super.init(.lstm, config, rng: &rng)
    }
}

/// Gated recurrent unit layers, as `torch.nn.GRU(batch_first=True)`: gates r, z, n with
/// n = tanh(W_in x + b_in + r∘(W_hn h + b_hn)).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let gru = GRU(RecurrentConfig(inputSize: 8, hiddenSize: 32, layers: 2, returnSequences: true, dropout: 0.2), rng: &rng)
/// let y = gru(Tensor.zeros([4, 10, 8]))   // (4, 10, 32)
/// ```
public final class GRU: RecurrentLayer {
    public init(_ config: RecurrentConfig, rng: inout RandomGenerator) {
        super.init(.gru, config, rng: &rng)
    }
}
