import XCTest
@testable import Plexus

/// Maps a fixture's op name and attributes to the engine call under test.
func applyOp(_ op: String, _ attrs: [String: Any], _ x: [Tensor]) -> Tensor {
    switch op {
    case "add": return x[0] + x[1]
    case "sub": return x[0] - x[1]
    case "mul": return x[0] * x[1]
    case "div": return x[0] / x[1]
    case "matmul": return x[0].matmul(x[1])
    case "neg": return -x[0]
    case "exp": return x[0].exp()
    case "log": return x[0].log()
    case "sqrt": return x[0].sqrt()
    case "abs": return x[0].abs()
    case "pow": return x[0].pow(attrs.float("exponent"))
    case "clamp": return x[0].clamp(min: attrs.float("min"), max: attrs.float("max"))
    case "relu": return x[0].relu()
    case "leaky_relu": return x[0].leakyRelu(negativeSlope: attrs.float("negative_slope"))
    case "elu": return x[0].elu(alpha: attrs.float("alpha"))
    case "gelu": return x[0].gelu()
    case "sigmoid": return x[0].sigmoid()
    case "tanh": return x[0].tanh()
    case "softplus": return x[0].softplus(beta: attrs.float("beta"), threshold: attrs.float("threshold"))
    case "softmax": return x[0].softmax(axis: attrs.int("axis"))
    case "log_softmax": return x[0].logSoftmax(axis: attrs.int("axis"))
    case "sum": return x[0].sum(axes: attrs.axes(), keepDims: attrs.bool("keepdims"))
    case "mean": return x[0].mean(axes: attrs.axes(), keepDims: attrs.bool("keepdims"))
    case "max": return x[0].max(axes: attrs.axes(), keepDims: attrs.bool("keepdims"))
    case "min": return x[0].min(axes: attrs.axes(), keepDims: attrs.bool("keepdims"))
    case "variance": return x[0].variance(axes: attrs.axes(), keepDims: attrs.bool("keepdims"), correction: attrs.int("correction"))
    case "reshape": return x[0].reshape(attrs["shape"] as! [Int])
    case "transpose": return x[0].transposed(attrs.int("dim0"), attrs.int("dim1"))
    case "permute": return x[0].permuted(attrs["dims"] as! [Int])
    case "slice": return x[0].slice(axis: attrs.int("axis"), start: attrs.int("start"), end: attrs.int("end"), step: attrs.int("step"))
    case "concat": return Tensor.concat(x, axis: attrs.int("axis"))
    case "stack": return Tensor.stack(x, axis: attrs.int("axis"))
    case "index_select": return x[0].indexSelect(axis: attrs.int("axis"), indices: attrs["indices"] as! [Int])
    case "gather":
        let rows = attrs["indices"] as! [[Int]]
        return x[0].gather(axis: attrs.int("axis"), indices: rows.flatMap { $0 }, indexShape: [rows.count, rows[0].count])
    case "where": return Tensor.where(x[0], x[1], x[2])
    case "mse_loss": return Loss.mse(x[0], x[1])
    case "l1_loss": return Loss.l1(x[0], x[1])
    case "huber_loss": return Loss.huber(x[0], x[1], delta: attrs.float("delta"))
    case "cross_entropy":
        return Loss.crossEntropy(x[0], attrs["targets"] as! [Int], labelSmoothing: attrs.float("label_smoothing"),
                                 classWeights: (attrs["weight"] as? [NSNumber])?.map(\.floatValue))
    case "bce_with_logits":
        return Loss.binaryCrossEntropyWithLogits(x[0], x[1], positiveWeight: (attrs["pos_weight"] as? [NSNumber])?.map(\.floatValue))
    default: fatalError("no mapping for fixture op \(op)")
    }
}

/// Forward values and gradients of every op and loss against PyTorch.
final class OpsGoldenTests: XCTestCase {
    func check(_ file: String) {
        let cases = Golden.cases(file)
        XCTAssertGreaterThan(cases.count, 5)
        for c in cases {
            let inputs = c.inputs.enumerated().map { $0.element.tensor(requiresGrad: c.grads[$0.offset] != nil) }
            let output = applyOp(c.op, c.attrs, inputs)
            XCTAssertEqual(output.shape, c.output.shape, "\(c.name): shape")
            assertClose(output.scalars, c.output.data, "\(c.name): forward")
            (output * c.upstream.tensor()).sum().backward()
            for (index, expected) in c.grads.enumerated() {
                guard let expected else { continue }
                guard let grad = inputs[index].grad else {
                    XCTFail("\(c.name): no gradient for input \(index)")
                    continue
                }
                XCTAssertEqual(grad.shape, expected.shape, "\(c.name): gradient \(index) shape")
                assertClose(grad.scalars, expected.data, "\(c.name): gradient of input \(index)")
            }
        }
    }

    func testOpsMatchPyTorch() { check("ops") }
    func testLossesMatchPyTorch() { check("losses") }
}

/// Every op's gradient against central finite differences of the same op, on the fixture inputs.
final class FiniteDifferenceTests: XCTestCase {
    func testGradientsMatchFiniteDifferences() {
        for file in ["ops", "losses"] {
            for c in Golden.cases(file) {
                let upstream = c.upstream.tensor()
                let objective = { (inputs: [Tensor]) -> Tensor in (applyOp(c.op, c.attrs, inputs) * upstream).sum() }
                for (index, expected) in c.grads.enumerated() where expected != nil {
                    let inputs = c.inputs.enumerated().map { $0.element.tensor(requiresGrad: $0.offset == index) }
                    objective(inputs).backward()
                    let analytic = inputs[index].grad!.scalars
                    let numeric = finiteDifference(c.inputs.map(\.data), shapes: c.inputs.map(\.shape), at: index) { shifted in
                        Autograd.withoutGradient { objective(shifted) }.item
                    }
                    assertClose(analytic, numeric, atol: 3e-3, rtol: 3e-3, "\(c.name): finite differences for input \(index)")
                }
            }
        }
    }
}

/// Central differences (f(x+h) − f(x−h)) / 2h for each element of input `index`.
func finiteDifference(_ values: [[Float]], shapes: [[Int]], at index: Int, step: Float = 2e-3, _ f: ([Tensor]) -> Float) -> [Float] {
    (0..<values[index].count).map { element in
        func evaluate(_ delta: Float) -> Float {
            var shifted = values
            shifted[index][element] += delta
            return f(zip(shifted, shapes).map { Tensor(shape: $1, scalars: $0) })
        }
        return (evaluate(step) - evaluate(-step)) / (2 * step)
    }
}
