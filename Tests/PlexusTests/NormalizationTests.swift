import XCTest
@testable import Plexus

/// Batch norm, layer norm, upsampling and the ResNet basic block against PyTorch (`tools/golden_normalization.py`).
final class NormalizationTests: XCTestCase {
    static let cases = Golden.cases("normalization")
    /// The raw JSON cases, for the fields beyond the common schema (running statistics after a step).
    static let rawCases = Golden.json("normalization")["cases"] as! [[String: Any]]

    /// The engine call a fixture case names. Batch norm updates `inputs[3]` and `inputs[4]` (the running statistics) in place.
    static func apply(_ c: GoldenCase, _ x: [Tensor]) -> Tensor {
        switch c.op {
        case "batch_norm":
            return x[0].batchNorm(weight: x[1], bias: x[2], runningMean: x[3], runningVariance: x[4], training: c.attrs.bool("training"),
                                  momentum: c.attrs.float("momentum"), epsilon: c.attrs.float("eps"))
        case "layer_norm":
            return x[0].layerNorm(weight: x[1], bias: x[2], epsilon: c.attrs.float("eps"))
        case "upsample":
            return x[0].upsample(target(c.attrs), mode: UpsampleMode(rawValue: c.attrs["mode"] as! String)!)
        default: fatalError("no mapping for fixture op \(c.op)")
        }
    }

    static func target(_ attrs: [String: Any]) -> UpsampleTarget {
        if let size = attrs["size"] as? [Int] { return .size(height: size[0], width: size[1]) }
        let factor = (attrs["scale_factor"] as! [NSNumber]).map(\.doubleValue)
        return .scaleFactor(height: factor[0], width: factor[1])
    }

    /// Runs every case of `op` through `run` (which returns the output and the tensors whose gradients are checked,
    /// in the order of the case's inputs), then back-propagates the fixture's upstream gradient and compares:
    /// outputs within 1e-5 + 1e-4·|expected|, gradients within 1e-4 + 1e-4·|expected|.
    func check(_ op: String, _ run: (GoldenCase, [Tensor]) -> (output: Tensor, differentiated: [Tensor?])) {
        let cases = Self.cases.filter { $0.op == op }
        XCTAssertGreaterThan(cases.count, 2, "\(op): fixture cases")
        for c in cases {
            let inputs = c.inputs.enumerated().map { $0.element.tensor(requiresGrad: c.grads[$0.offset] != nil) }
            let (output, differentiated) = run(c, inputs)
            XCTAssertEqual(output.shape, c.output.shape, "\(c.name): shape")
            assertClose(output.scalars, c.output.data, atol: 1e-5, rtol: 1e-4, "\(c.name): forward")
            (output * c.upstream.tensor()).sum().backward()
            for (index, expected) in c.grads.enumerated() {
                guard let expected else { continue }
                guard let grad = differentiated[index]?.grad else {
                    XCTFail("\(c.name): no gradient for input \(index)")
                    continue
                }
                XCTAssertEqual(grad.shape, expected.shape, "\(c.name): gradient \(index) shape")
                assertClose(grad.scalars, expected.data, atol: 1e-4, rtol: 1e-4, "\(c.name): gradient of input \(index)")
            }
        }
    }

    func testBatchNormMatchesPyTorch() {
        check("batch_norm") { c, inputs in
            let output = Self.apply(c, inputs)
            if c.attrs.bool("training") {
                let raw = Self.rawCases.first { $0["name"] as? String == c.name }!
                assertClose(inputs[3].scalars, GoldenTensor(raw["running_mean_after"]).data, "\(c.name): running mean after the step")
                assertClose(inputs[4].scalars, GoldenTensor(raw["running_var_after"]).data, "\(c.name): running variance after the step")
            } else {
                XCTAssertEqual(inputs[3].scalars, c.inputs[3].data, "\(c.name): evaluation leaves the running mean alone")
                XCTAssertEqual(inputs[4].scalars, c.inputs[4].data, "\(c.name): evaluation leaves the running variance alone")
            }
            return (output, inputs)
        }
    }

    func testLayerNormMatchesPyTorch() {
        check("layer_norm") { c, inputs in (Self.apply(c, inputs), inputs) }
    }

    func testUpsampleMatchesPyTorch() {
        check("upsample") { c, inputs in (Self.apply(c, inputs), inputs) }
    }

    /// torchvision's BasicBlock with weights loaded by state_dict name: forward, and gradients of the input and of
    /// every parameter, with and without the downsampling shortcut, in training and evaluation mode.
    func testResidualBlockMatchesPyTorch() {
        check("basic_block") { c, inputs in
            var rng = RandomGenerator(seed: 0)
            let block = ResidualBlock(ResidualBlockConfig(inputChannels: c.attrs.int("in_channels"), outputChannels: c.attrs.int("planes"),
                                                          stride: c.attrs.int("stride")), rng: &rng)
            let names = c.attrs["names"] as! [String]
            var state = Dictionary(uniqueKeysWithValues: block.stateDict().map { ($0.name, $0.tensor) })
            for (name, value) in zip(names, inputs.dropFirst()) { state[name] = value }
            do { try block.loadStateDict(state) } catch { XCTFail("\(c.name): \(error)") }
            if !c.attrs.bool("training") {
                // The evaluation case lists every state_dict entry PyTorch has but the integer step counters.
                XCTAssertEqual(block.stateDict().map(\.name).filter { !$0.hasSuffix("num_batches_tracked") }, names, c.name)
                block.eval()
            }
            let parameters = Dictionary(uniqueKeysWithValues: block.namedParameters().map { ($0.name, $0.tensor) })
            return (block(inputs[0]), [inputs[0]] + names.map { parameters[$0] })
        }
    }

    /// Gradients of every kind of case against central differences of the same op, on tiny inputs.
    func testGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 7)
        let statistics = [Tensor.zeros([3]).scalars, Tensor.ones([3]).scalars]
        let batchNorm = { (training: Bool) in { (x: [Tensor]) -> Tensor in
            // Fresh running statistics every call: training updates them in place.
            x[0].batchNorm(weight: x[1], bias: x[2], runningMean: Tensor(shape: [3], scalars: statistics[0]),
                           runningVariance: Tensor(shape: [3], scalars: statistics[1]), training: training)
        } }
        let examples: [(name: String, shapes: [[Int]], f: ([Tensor]) -> Tensor)] = [
            ("batch norm (N, C)", [[4, 3], [3], [3]], batchNorm(true)),
            ("batch norm (N, C, H, W)", [[2, 3, 2, 3], [3], [3]], batchNorm(true)),
            ("batch norm, evaluation", [[2, 3, 2, 2], [3], [3]], batchNorm(false)),
            ("layer norm", [[3, 2, 4], [2, 4], [2, 4]], { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }),
            ("upsample nearest", [[1, 2, 2, 3]], { $0[0].upsample(.size(height: 5, width: 4), mode: .nearest) }),
            ("upsample bilinear", [[1, 2, 2, 3]], { $0[0].upsample(.scaleFactor(height: 1.5, width: 2.5), mode: .bilinear) }),
        ]
        for example in examples {
            let values = example.shapes.map { Tensor.normal($0, using: &rng).scalars }
            let upstream = Tensor.normal(example.f(zip(values, example.shapes).map { Tensor(shape: $1, scalars: $0) }).shape, using: &rng)
            let objective = { (inputs: [Tensor]) in (example.f(inputs) * upstream).sum() }
            for index in values.indices {
                let inputs = zip(values, example.shapes).enumerated().map {
                    Tensor(shape: $1.1, scalars: $1.0, requiresGrad: $0 == index)
                }
                objective(inputs).backward()
                let numeric = finiteDifference(values, shapes: example.shapes, at: index) { shifted in
                    Autograd.withoutGradient { objective(shifted) }.item
                }
                assertClose(inputs[index].grad!.scalars, numeric, atol: 3e-3, rtol: 3e-3, "\(example.name): input \(index)")
            }
        }
    }

    func testBatchNormStateMatchesPyTorchNames() {
        let norm = BatchNorm(features: 4)
        XCTAssertEqual(norm.stateDict().map(\.name), ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        XCTAssertEqual(norm.namedParameters().map(\.name), ["weight", "bias"])
        XCTAssertEqual(norm.batchesTracked.shape, [])
        _ = norm(Tensor.ones([2, 4]))
        _ = norm(Tensor.ones([2, 4]))
        norm.eval()
        _ = norm(Tensor.ones([2, 4]))
        XCTAssertEqual(norm.batchesTracked.item, 2, "only training steps count")
    }

    /// Training mode uses batch statistics (BatchNorm) and random masks (Dropout); evaluation mode the running
    /// statistics and the identity, so the same input gives different outputs.
    func testBatchNormAndDropoutDifferBetweenTrainingAndEvaluation() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal([16, 4], mean: 2, std: 3, using: &rng)
        let norm = BatchNorm(features: 4), dropout = Dropout(rate: 0.5, seed: 1)
        let model = Sequential([norm, dropout])

        let trained = model(x).scalars
        // Batch statistics: every column of the normalised batch has mean 0 before dropout.
        let normalised = Autograd.withoutGradient { norm(x) }
        for mean in normalised.mean(axes: [0]).scalars { XCTAssertEqual(mean, 0, accuracy: 1e-5) }
        XCTAssertTrue(trained.contains(0), "dropout zeroes elements in training")

        model.eval()
        let evaluated = model(x).scalars
        XCTAssertEqual(model(x).scalars, evaluated, "evaluation is deterministic")
        XCTAssertFalse(evaluated.contains(0), "dropout is the identity in evaluation")
        // The running statistics the two training-mode calls above left: (x − mean) / √(var + ε) with weight 1, bias 0.
        let mean = norm.runningMean.scalars, variance = norm.runningVariance.scalars
        for (i, value) in evaluated.enumerated() {
            let column = i % 4
            XCTAssertEqual(value, (x.scalars[i] - mean[column]) / (variance[column] + 1e-5).squareRoot(), accuracy: 1e-4)
        }
        XCTAssertNotEqual(trained, evaluated)
    }
}
