import CDNNL

/// LSTM and GRU layers on oneDNN's recurrent primitives: the forward pass over all time steps and the
/// backward pass through time are each one primitive call, with the per-step GEMMs and gate arithmetic
/// fused and JIT-compiled by oneDNN (PyTorch's CPU LSTM runs the same primitive, from a newer oneDNN).
///
/// oneDNN and PyTorch lay the parameters out differently; this file translates:
/// - A PyTorch weight (G·H, in) is oneDNN's `ldgoi` layout (layers, directions, in, gates, out) as is, so it is
///   reordered straight into whatever layout the primitive picked.
/// - LSTM gates are i, f, g, o in both. oneDNN's `lbr_gru` ("linear before reset") is PyTorch's GRU, but with
///   gates u(=z), r, n instead of r, z, n, and one bias per gate plus a separate b_hn: see `biasSources`.
/// - Biases: oneDNN adds one bias per gate, PyTorch two (b_ih + b_hh), so the forward pass sums them and the
///   backward pass hands the same gradient to both.
extension CPUBackend {
    public func recurrentForward(_ shape: RecurrentShape, _ operands: RecurrentOperands<Storage>,
                                 training: Bool) -> (output: Storage, workspace: Storage?) {
        let rnn = OneDNNRecurrent(shape: shape, stage: training ? .training : .inference, backend: self)
        let output = allocate(shape.batch * shape.steps * shape.hiddenSize)  // (N, T, H)
        var buffers = rnn.forwardBuffers(operands)
        buffers[DNNL_ARG_DST_LAYER] = output
        let workspace = training ? rnn.allocate(DNNL_ARG_WORKSPACE) : nil
        buffers[DNNL_ARG_WORKSPACE] = workspace
        rnn.execute(buffers)
        return (output, workspace)
    }

    public func recurrentBackward(_ shape: RecurrentShape, _ operands: RecurrentOperands<Storage>, output: Storage,
                                  workspace: Storage, gradient: Storage) -> RecurrentOperands<Storage> {
        let rnn = OneDNNRecurrent(shape: shape, stage: .backward, backend: self)
        let stateCount = shape.batch * shape.hiddenSize
        var buffers = rnn.forwardBuffers(operands)
        buffers[DNNL_ARG_DST_LAYER] = output
        buffers[DNNL_ARG_WORKSPACE] = workspace
        buffers[DNNL_ARG_DIFF_DST_LAYER] = gradient
        let inputGradient = allocate(shape.batch * shape.steps * shape.inputSize)  // (N, T, F)
        let h0Gradient = allocate(stateCount), c0Gradient = allocate(stateCount)   // (N, H)
        buffers[DNNL_ARG_DIFF_SRC_LAYER] = inputGradient
        buffers[DNNL_ARG_DIFF_SRC_ITER] = h0Gradient
        buffers[DNNL_ARG_DIFF_SRC_ITER_C] = c0Gradient
        // oneDNN accumulates into the parameter gradients, so they start at zero.
        for kind in [DNNL_ARG_DIFF_WEIGHTS_LAYER, DNNL_ARG_DIFF_WEIGHTS_ITER, DNNL_ARG_DIFF_BIAS] {
            let buffer = rnn.allocate(kind)
            fill(buffer, count: buffer.count, value: 0)
            buffers[kind] = buffer
        }
        rnn.execute(buffers)

        let (biasIH, biasHH) = rnn.pytorchBiasGradients(buffers[DNNL_ARG_DIFF_BIAS]!)
        return RecurrentOperands(
            input: inputGradient,
            h0: operands.h0.map { _ in h0Gradient },
            c0: operands.c0.map { _ in c0Gradient },
            weightIH: rnn.pytorchWeights(buffers[DNNL_ARG_DIFF_WEIGHTS_LAYER]!, kind: DNNL_ARG_DIFF_WEIGHTS_LAYER),
            weightHH: rnn.pytorchWeights(buffers[DNNL_ARG_DIFF_WEIGHTS_ITER]!, kind: DNNL_ARG_DIFF_WEIGHTS_ITER),
            biasIH: operands.biasIH.map { _ in biasIH },
            biasHH: operands.biasHH.map { _ in biasHH })
    }
}

/// One oneDNN recurrent primitive (cached per shape and stage) and the layout translations around it.
private struct OneDNNRecurrent {
    enum Stage: Hashable {
        /// Forward without a workspace (evaluation, no gradients).
        case inference
        /// Forward that also fills the workspace the backward pass reads.
        case training
        case backward
    }

    private struct Key: Hashable {
        let shape: RecurrentShape
        let stage: Stage
        /// nil for the recurrent primitive itself; otherwise the argument a weight reorder is for.
        let reorderFor: Int32?
    }

    let shape: RecurrentShape
    let stage: Stage
    let backend: CPUBackend
    let primitive: CachedPrimitive

    init(shape: RecurrentShape, stage: Stage, backend: CPUBackend) {
        self.shape = shape
        self.stage = stage
        self.backend = backend
        primitive = OneDNN.shared.cached(Key(shape: shape, stage: stage, reorderFor: nil)) {
            OneDNNRecurrent.makePrimitive(shape, stage)
        }
    }

    /// Runs the primitive with each of its arguments bound to the buffer given for that argument kind.
    func execute(_ buffers: [Int32: Storage]) {
        primitive.execute(primitive.arguments.map { argument -> UnsafeMutableRawPointer? in
            guard let buffer = buffers[argument.kind] else { preconditionFailure("recurrent primitive: no buffer for argument \(argument.kind)") }
            return buffer.pointer
        })
    }

    /// A buffer big enough for argument `kind` in the layout the primitive picked.
    func allocate(_ kind: Int32) -> Storage { backend.allocate(layout: layout(kind)) }

    private func layout(_ kind: Int32) -> dnnl_memory_desc_t {
        guard let argument = primitive.arguments.first(where: { $0.kind == kind }) else {
            preconditionFailure("recurrent primitive has no argument \(kind)")
        }
        return argument.layout
    }

    /// The inputs forward and backward share: sequence, initial state (zeros when absent), weights and bias.
    func forwardBuffers(_ operands: RecurrentOperands<Storage>) -> [Int32: Storage] {
        let stateCount = shape.batch * shape.hiddenSize
        let zeros = operands.h0 == nil || operands.c0 == nil ? backend.allocate(stateCount) : nil
        if let zeros { backend.fill(zeros, count: stateCount, value: 0) }
        return [
            DNNL_ARG_SRC_LAYER: operands.input,
            DNNL_ARG_SRC_ITER: operands.h0 ?? zeros!,
            DNNL_ARG_SRC_ITER_C: operands.c0 ?? zeros!,
            DNNL_ARG_WEIGHTS_LAYER: primitiveWeights(operands.weightIH, kind: DNNL_ARG_WEIGHTS_LAYER),
            DNNL_ARG_WEIGHTS_ITER: primitiveWeights(operands.weightHH, kind: DNNL_ARG_WEIGHTS_ITER),
            DNNL_ARG_BIAS: primitiveBias(operands.biasIH, operands.biasHH),
        ]
    }

    // MARK: Weights: PyTorch (G·H, in) ⇄ the primitive's layout

    /// oneDNN's gate g is PyTorch's gate `weightGates[g]` (GRU: oneDNN u, r, n is PyTorch z, r, n).
    private var weightGates: [Int] { shape.cell == .lstm ? [0, 1, 2, 3] : [1, 0, 2] }

    /// For each of oneDNN's bias gates, the PyTorch gates of bias_ih and bias_hh it is the sum of.
    /// LSTM: b_ih + b_hh per gate. lbr_gru: u = b_iz + b_hz, r = b_ir + b_hr, then b_in and b_hn apart,
    /// because b_hn sits inside r∘(W_hn h + b_hn).
    private var biasSources: [(ih: Int?, hh: Int?)] {
        shape.cell == .lstm ? [(0, 0), (1, 1), (2, 2), (3, 3)] : [(1, 1), (0, 0), (2, nil), (nil, 2)]
    }

    private func inputSize(of kind: Int32) -> Int {
        kind == DNNL_ARG_WEIGHTS_LAYER || kind == DNNL_ARG_DIFF_WEIGHTS_LAYER ? shape.inputSize : shape.hiddenSize
    }

    /// PyTorch's layout of a weight: (1, 1, in, G, H) in `ldgoi` order is (G·H, in) row-major.
    private func pytorchLayout(_ kind: Int32) -> dnnl_memory_desc_t {
        OneDNN.memoryDescriptor([1, 1, inputSize(of: kind), shape.cell.gateCount, shape.hiddenSize], dnnl_ldgoi)
    }

    /// Copies gate blocks of a (G·H, in) matrix: block `order[g]` of `source` to block g (`inverse`: g to `order[g]`).
    /// Returns `source` itself when the order is the identity (LSTM).
    private func permutingGates(_ source: Storage, blockSize: Int, inverse: Bool) -> Storage {
        let order = weightGates
        guard order != Array(order.indices) else { return source }
        let out = backend.allocate(order.count * blockSize)
        for (gate, pytorchGate) in order.enumerated() {
            let (to, from) = inverse ? (pytorchGate, gate) : (gate, pytorchGate)
            (out.floats + to * blockSize).update(from: source.floats + from * blockSize, count: blockSize)
        }
        return out
    }

    /// A PyTorch weight laid out for the primitive's argument `kind`.
    private func primitiveWeights(_ weight: Storage, kind: Int32) -> Storage {
        let gateOrdered = permutingGates(weight, blockSize: shape.hiddenSize * inputSize(of: kind), inverse: false)
        return reordering(gateOrdered, from: pytorchLayout(kind), to: layout(kind), kind: kind)
    }

    /// A weight gradient in the primitive's layout for `kind`, as PyTorch's (G·H, in).
    func pytorchWeights(_ gradient: Storage, kind: Int32) -> Storage {
        let plain = reordering(gradient, from: layout(kind), to: pytorchLayout(kind), kind: kind)
        return permutingGates(plain, blockSize: shape.hiddenSize * inputSize(of: kind), inverse: true)
    }

    /// `source` converted from one layout to the other by a cached reorder primitive; `source` itself when they agree.
    private func reordering(_ source: Storage, from: dnnl_memory_desc_t, to: dnnl_memory_desc_t, kind: Int32) -> Storage {
        var from = from, to = to
        if dnnl_memory_desc_equal(&from, &to) != 0 { return source }
        let reorder = OneDNN.shared.cached(Key(shape: shape, stage: stage, reorderFor: kind)) { OneDNN.reorder(from: from, to: to) }
        let out = backend.allocate(layout: to)
        reorder.execute([source.pointer, out.pointer])
        return out
    }

    // MARK: Biases: PyTorch's b_ih, b_hh (G·H each) ⇄ oneDNN's (bias gates, H)

    private func primitiveBias(_ biasIH: Storage?, _ biasHH: Storage?) -> Storage {
        let h = shape.hiddenSize
        let out = backend.allocate(biasSources.count * h)
        backend.fill(out, count: biasSources.count * h, value: 0)
        for (gate, source) in biasSources.enumerated() {
            let destination = out.floats + gate * h
            for (bias, pytorchGate) in [(biasIH, source.ih), (biasHH, source.hh)] {
                guard let bias, let pytorchGate else { continue }
                let p = bias.floats + pytorchGate * h
                for j in 0..<h { destination[j] += p[j] }
            }
        }
        return out
    }

    /// The gradients of b_ih and b_hh from the gradient of oneDNN's bias.
    func pytorchBiasGradients(_ gradient: Storage) -> (ih: Storage, hh: Storage) {
        let h = shape.hiddenSize, count = shape.cell.gateCount * h
        let ih = backend.allocate(count), hh = backend.allocate(count)
        for (gate, source) in biasSources.enumerated() {
            if let g = source.ih { (ih.floats + g * h).update(from: gradient.floats + gate * h, count: h) }
            if let g = source.hh { (hh.floats + g * h).update(from: gradient.floats + gate * h, count: h) }
        }
        return (ih, hh)
    }

    // MARK: Primitive descriptors

    /// Logical shapes: sequences (T, N, C) stored batch-first (`ntc`), states (layers, directions, N, H), weights
    /// (layers, directions, in, gates, H) in whatever layout oneDNN prefers, biases (layers, directions, gates, H).
    private struct Layouts {
        var source, destination, state, cellState, weightsLayer, weightsIter, bias: dnnl_memory_desc_t

        init(_ shape: RecurrentShape) {
            let (n, t, h, gates) = (shape.batch, shape.steps, shape.hiddenSize, shape.cell.gateCount)
            source = OneDNN.memoryDescriptor([t, n, shape.inputSize], dnnl_ntc)
            destination = OneDNN.memoryDescriptor([t, n, h], dnnl_ntc)
            state = OneDNN.memoryDescriptor([1, 1, n, h], dnnl_ldnc)
            cellState = state
            weightsLayer = OneDNN.memoryDescriptor([1, 1, shape.inputSize, gates, h], dnnl_format_tag_any)
            weightsIter = OneDNN.memoryDescriptor([1, 1, h, gates, h], dnnl_format_tag_any)
            // lbr_gru has a fourth bias, b_hn; LSTM has four gates.
            bias = OneDNN.memoryDescriptor([1, 1, 4, h], dnnl_ldgo)
        }
    }

    private static func makePrimitive(_ shape: RecurrentShape, _ stage: Stage) -> CachedPrimitive {
        let engine = OneDNN.shared.engine
        var forward = dnnl_rnn_desc_t()
        var x = Layouts(shape)
        let direction = dnnl_unidirectional_left2right
        let prop = stage == .inference ? dnnl_forward_inference : dnnl_forward_training
        switch shape.cell {
        case .lstm:
            OneDNN.check(dnnl_lstm_forward_desc_init(&forward, prop, direction, &x.source, &x.state, &x.cellState, &x.weightsLayer,
                                                     &x.weightsIter, &x.bias, &x.destination, nil, nil, 0), "LSTM forward desc")
        case .gru:
            OneDNN.check(dnnl_lbr_gru_forward_desc_init(&forward, prop, direction, &x.source, &x.state, &x.weightsLayer,
                                                        &x.weightsIter, &x.bias, &x.destination, nil, 0), "GRU forward desc")
        }
        var forwardPD: dnnl_primitive_desc_t?
        OneDNN.check(dnnl_primitive_desc_create(&forwardPD, &forward, nil, engine, nil), "recurrent forward pd")

        var kinds = [DNNL_ARG_SRC_LAYER, DNNL_ARG_SRC_ITER, DNNL_ARG_WEIGHTS_LAYER, DNNL_ARG_WEIGHTS_ITER, DNNL_ARG_BIAS, DNNL_ARG_DST_LAYER]
        if shape.cell.hasCellState { kinds.append(DNNL_ARG_SRC_ITER_C) }
        if stage != .inference { kinds.append(DNNL_ARG_WORKSPACE) }
        guard stage == .backward else {
            return OneDNN.shared.makePrimitive(forwardPD!, arguments: kinds.map { ($0, dnnl_query_exec_arg_md, $0) })
        }

        // The backward pass: gradients have the layouts of their values (weights: oneDNN's choice again).
        var backward = dnnl_rnn_desc_t()
        var d = Layouts(shape)
        switch shape.cell {
        case .lstm:
            OneDNN.check(dnnl_lstm_backward_desc_init(&backward, dnnl_backward, direction, &x.source, &x.state, &x.cellState,
                                                      &x.weightsLayer, &x.weightsIter, &x.bias, &x.destination, nil, nil,
                                                      &d.source, &d.state, &d.cellState, &d.weightsLayer, &d.weightsIter, &d.bias,
                                                      &d.destination, nil, nil, 0), "LSTM backward desc")
        case .gru:
            OneDNN.check(dnnl_lbr_gru_backward_desc_init(&backward, dnnl_backward, direction, &x.source, &x.state,
                                                         &x.weightsLayer, &x.weightsIter, &x.bias, &x.destination, nil,
                                                         &d.source, &d.state, &d.weightsLayer, &d.weightsIter, &d.bias,
                                                         &d.destination, nil, 0), "GRU backward desc")
        }
        var backwardPD: dnnl_primitive_desc_t?
        OneDNN.check(dnnl_primitive_desc_create(&backwardPD, &backward, nil, engine, forwardPD), "recurrent backward pd")
        dnnl_primitive_desc_destroy(forwardPD)
        kinds += [DNNL_ARG_DIFF_SRC_LAYER, DNNL_ARG_DIFF_SRC_ITER, DNNL_ARG_DIFF_WEIGHTS_LAYER, DNNL_ARG_DIFF_WEIGHTS_ITER,
                  DNNL_ARG_DIFF_BIAS, DNNL_ARG_DIFF_DST_LAYER]
        if shape.cell.hasCellState { kinds.append(DNNL_ARG_DIFF_SRC_ITER_C) }
        return OneDNN.shared.makePrimitive(backwardPD!, arguments: kinds.map { ($0, dnnl_query_exec_arg_md, $0) })
    }
}
