import XCTest
@testable import Plexus

/// Several optimizer steps, gradient clipping and LR schedules against PyTorch.
final class OptimizerGoldenTests: XCTestCase {
    let fixture = Golden.json("optimizers")

    func makeOptimizer(_ name: String, _ attrs: [String: Any], _ w: Tensor) -> Optimizer {
        let lr = attrs.float("lr"), decay = attrs.float("weight_decay")
        switch name {
        case "sgd":
            return SGD(parameters: [w], learningRate: lr, momentum: attrs.float("momentum"), dampening: attrs.float("dampening"),
                       nesterov: attrs.bool("nesterov"), weightDecay: decay)
        case "adam", "adamw":
            let betas = (attrs["betas"] as! [NSNumber]).map(\.floatValue)
            return Adam(parameters: [w], learningRate: lr, beta1: betas[0], beta2: betas[1], epsilon: attrs.float("eps"),
                        weightDecay: decay, decoupledWeightDecay: name == "adamw")
        default: fatalError("unknown optimizer \(name)")
        }
    }

    func testOptimizerStepsMatchPyTorch() {
        let cases = fixture["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 8)
        for c in cases {
            let name = c["name"] as! String, attrs = c["attrs"] as! [String: Any]
            let w = GoldenTensor(c["W0"]).tensor(requiresGrad: true)
            let x = GoldenTensor(c["x"]).tensor(), y = GoldenTensor(c["y"]).tensor()
            let optimizer = makeOptimizer(c["optimizer"] as! String, attrs, w)
            for (index, expected) in (c["steps"] as! [Any]).map(GoldenTensor.init).enumerated() {
                optimizer.zeroGrad()
                (w.matmul(x) - y).square().mean().backward()
                if let clip = attrs["clip_norm"] as? NSNumber { clipGradientNorm([w], maxNorm: clip.floatValue) }
                optimizer.step()
                assertClose(w.scalars, expected.data, atol: 1e-5, rtol: 1e-4, "\(name) step \(index + 1)")
            }
        }
    }

    func testSchedulesMatchPyTorch() {
        for s in fixture["schedules"] as! [[String: Any]] {
            let attrs = s["attrs"] as! [String: Any]
            let expected = (s["lrs"] as! [NSNumber]).map(\.floatValue)
            let lr = attrs.float("lr")
            var actual: [Float]
            switch s["name"] as! String {
            case "step":
                actual = (0..<expected.count).map(Schedule.step(initial: lr, stepSize: attrs.int("step_size"), gamma: attrs.float("gamma")))
            case "cosine":
                actual = (0..<expected.count).map(Schedule.cosine(initial: lr, period: attrs.int("T_max"), minimum: attrs.float("eta_min")))
            default:
                let plateau = ReduceOnPlateau(factor: attrs.float("factor"), patience: attrs.int("patience"), threshold: attrs.float("threshold"))
                var rate = lr
                actual = (attrs["metrics"] as! [NSNumber]).map { metric in
                    rate = plateau.step(metric: metric.floatValue, learningRate: rate)
                    return rate
                }
            }
            assertClose(actual, expected, atol: 1e-7, rtol: 1e-5, "schedule \(s["name"]!)")
        }
    }

    func testLinearLayerMatchesPyTorch() {
        for c in Golden.cases("layers") where c.op == "linear" {
            var rng = RandomGenerator(seed: 0)
            let layer = Linear(inputSize: c.attrs.int("in_features"), outputSize: c.attrs.int("out_features"), rng: &rng)
            try! layer.loadStateDict(["weight": c.inputs[1].tensor(), "bias": c.inputs[2].tensor()])
            let x = c.inputs[0].tensor(requiresGrad: true)
            let y = layer(x)
            assertClose(y.scalars, c.output.data, "linear forward")
            (y * c.upstream.tensor()).sum().backward()
            assertClose(x.grad!.scalars, c.grads[0]!.data, "linear input gradient")
            assertClose(layer.weight.grad!.scalars, c.grads[1]!.data, "linear weight gradient")
            assertClose(layer.bias!.grad!.scalars, c.grads[2]!.data, "linear bias gradient")
        }
    }
}
