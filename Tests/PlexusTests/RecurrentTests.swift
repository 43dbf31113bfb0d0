import XCTest
@testable import Plexus

/// Runs the LSTM / GRU a recurrent.json case describes, with the case's parameter values, on the case's inputs.
/// Returns the output and, per case input, the tensor its gradient lands in after `backward()`: the input itself
/// for x, h0 and c0, the layer parameter it was loaded into for weights and biases.
private func runRecurrentCase(_ c: GoldenCase, _ inputs: [Tensor]) -> (output: Tensor, gradientHolders: [Tensor]) {
    let names = c.attrs["parameters"] as! [String]
    let states = c.attrs.bool("initial_state") ? (c.op == "lstm" ? 2 : 1) : 0
    let config = RecurrentConfig(inputSize: inputs[0].shape[2], hiddenSize: c.attrs.int("hidden_size"), layers: c.attrs.int("layers"),
                                 returnSequences: c.attrs.bool("return_sequences"), bias: c.attrs.bool("bias"))
    var rng = RandomGenerator(seed: 0)
    let layer: RecurrentLayer = c.op == "lstm" ? LSTM(config, rng: &rng) : GRU(config, rng: &rng)
    try! layer.loadStateDict(Dictionary(uniqueKeysWithValues: zip(names, inputs[(1 + states)...])))
    let output = layer.forward(inputs[0], h0: states > 0 ? inputs[1] : nil, c0: states > 1 ? inputs[2] : nil)
    let parameters = Dictionary(uniqueKeysWithValues: layer.namedParameters().map { ($0.name, $0.tensor) })
    return (output, Array(inputs[...states]) + names.map { parameters[$0]! })
}

/// Runs the Embedding an embedding case describes: inputs are the indices and the table.
private func runEmbeddingCase(_ c: GoldenCase, _ inputs: [Tensor]) -> (output: Tensor, gradientHolders: [Tensor]) {
    var rng = RandomGenerator(seed: 0)
    let table = inputs[1]
    let embedding = Embedding(EmbeddingConfig(numEmbeddings: table.shape[0], dim: table.shape[1],
                                              paddingIndex: (c.attrs["padding_idx"] as? NSNumber)?.intValue), rng: &rng)
    try! embedding.loadStateDict(["weight": table])
    return (embedding(inputs[0]), [inputs[0], embedding.weight])
}

private func runCase(_ c: GoldenCase, _ inputs: [Tensor]) -> (output: Tensor, gradientHolders: [Tensor]) {
    c.op == "embedding" ? runEmbeddingCase(c, inputs) : runRecurrentCase(c, inputs)
}

final class RecurrentTests: XCTestCase {
    let cases = Golden.cases("recurrent")

    /// Outputs (inference and training kernels) and the gradients of inputs, initial states, weights and biases.
    func testLayersMatchPyTorch() {
        XCTAssertEqual(cases.count, 12)
        for c in cases {
            let inference = Autograd.withoutGradient { runCase(c, c.inputs.map { $0.tensor() }).output }
            assertClose(inference.scalars, c.output.data, "\(c.name): inference forward")

            let inputs = c.inputs.enumerated().map { $0.element.tensor(requiresGrad: c.grads[$0.offset] != nil) }
            let (output, holders) = runCase(c, inputs)
            XCTAssertEqual(output.shape, c.output.shape, "\(c.name): shape")
            assertClose(output.scalars, c.output.data, "\(c.name): forward")
            (output * c.upstream.tensor()).sum().backward()
            for (index, expected) in c.grads.enumerated() {
                guard let expected else { continue }
                guard let grad = holders[index].grad else {
                    XCTFail("\(c.name): no gradient for input \(index)")
                    continue
                }
                XCTAssertEqual(grad.shape, expected.shape, "\(c.name): gradient \(index) shape")
                assertClose(grad.scalars, expected.data, atol: 2e-5, rtol: 1e-4, "\(c.name): gradient of input \(index)")
            }
        }
    }

    /// Back-propagation through time of the LSTM and GRU ops against central differences, for every operand,
    /// on tiny random shapes (N=2, T=3, F=2, H=2; the PyTorch gradients above cover larger ones).
    func testGradientsMatchFiniteDifferences() {
        for cell in [RecurrentCell.lstm, .gru] {
            let (n, t, f, h, gates) = (2, 3, 2, 2, cell.gateCount * 2)
            // x, h0, (c0), weight_ih, weight_hh, bias_ih, bias_hh
            let shapes = [[n, t, f], [n, h]] + (cell.hasCellState ? [[n, h]] : []) + [[gates, f], [gates, h], [gates], [gates]]
            var rng = RandomGenerator(seed: 5)
            let values = shapes.map { Tensor.normal($0, std: 0.7, using: &rng).scalars }
            let upstream = Tensor.normal([n, t, h], using: &rng)
            func objective(_ inputs: [Tensor]) -> Tensor {
                let w = cell.hasCellState ? 3 : 2
                let operands = RecurrentOperands(input: inputs[0], h0: inputs[1], c0: cell.hasCellState ? inputs[2] : nil, weightIH: inputs[w],
                                                 weightHH: inputs[w + 1], biasIH: inputs[w + 2], biasHH: inputs[w + 3])
                return (Tensor.recurrent(cell, operands) * upstream).sum()
            }
            for index in shapes.indices {
                let inputs = shapes.indices.map { Tensor(shape: shapes[$0], scalars: values[$0], requiresGrad: $0 == index) }
                objective(inputs).backward()
                let numeric = finiteDifference(values, shapes: shapes, at: index) { shifted in Autograd.withoutGradient { objective(shifted) }.item }
                assertClose(inputs[index].grad!.scalars, numeric, atol: 3e-3, rtol: 3e-3, "\(cell): finite differences for operand \(index)")
            }
        }
    }

    func testParameterNamesAndShapesFollowPyTorch() {
        var rng = RandomGenerator(seed: 0)
        let lstm = LSTM(RecurrentConfig(inputSize: 3, hiddenSize: 4, layers: 2), rng: &rng)
        XCTAssertEqual(lstm.namedParameters().map(\.name), ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"])
        XCTAssertEqual(lstm.parameters().map(\.shape), [[16, 3], [16, 4], [16], [16], [16, 4], [16, 4], [16], [16]])
        // PyTorch's init: U(±1/√H).
        XCTAssertTrue(lstm.parameters().allSatisfy { $0.scalars.allSatisfy { Swift.abs($0) <= 0.5 } })

        let gru = GRU(RecurrentConfig(inputSize: 2, hiddenSize: 5, bias: false), rng: &rng)
        XCTAssertEqual(gru.namedParameters().map(\.name), ["weight_ih_l0", "weight_hh_l0"])
        XCTAssertEqual(gru.parameters().map(\.shape), [[15, 2], [15, 5]])
        XCTAssertEqual(gru(Tensor.zeros([7, 3, 2])).shape, [7, 5])
        XCTAssertEqual(Sequential([gru]).namedParameters().first?.name, "0.weight_ih_l0")
    }

    /// Dropout acts between layers in training mode only; evaluation gives the dropout-free stack's output.
    func testDropoutBetweenLayersOnlyWhileTraining() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal([4, 6, 3], using: &rng)
        var first = RandomGenerator(seed: 1), second = RandomGenerator(seed: 1)
        let withDropout = LSTM(RecurrentConfig(inputSize: 3, hiddenSize: 8, layers: 2, returnSequences: true, dropout: 0.5), rng: &first)
        let without = LSTM(RecurrentConfig(inputSize: 3, hiddenSize: 8, layers: 2, returnSequences: true), rng: &second)
        XCTAssertNotEqual(withDropout(x).scalars, withDropout(x).scalars, "fresh masks on every call")
        XCTAssertNotEqual(withDropout(x).scalars, without(x).scalars)
        withDropout.eval()
        XCTAssertEqual(withDropout(x).scalars, without(x).scalars)
    }

    /// An LSTM must learn to recall the first value of a sequence after the rest: it needs its memory.
    func testLSTMLearnsToRecallTheFirstStep() {
        var rng = RandomGenerator(seed: 7)
        let x = Tensor.uniform([64, 8, 1], low: -1, high: 1, using: &rng)
        let target = x.slice(axis: 1, start: 0, end: 1).reshape([64, 1])
        let model = Sequential([LSTM(RecurrentConfig(inputSize: 1, hiddenSize: 16), rng: &rng), Linear(inputSize: 16, outputSize: 1, rng: &rng)])
        let optimizer = Adam(parameters: model.parameters(), learningRate: 0.03)
        for _ in 0..<80 {
            optimizer.zeroGrad()
            Loss.mse(model(x), target).backward()
            Autograd.withoutGradient { optimizer.step() }
        }
        let final = Autograd.withoutGradient { Loss.mse(model(x), target).item }
        // Predicting the mean scores about 1/3 (the variance of U(-1, 1)); only a memory gets far below.
        XCTAssertLessThan(final, 0.1)
    }
}
