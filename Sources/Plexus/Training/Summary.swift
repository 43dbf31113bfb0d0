import Foundation

/// A table like Keras's `model.summary()`: each layer, its output shape for a batch of one, its parameter
/// count, and the totals.
public func summary(_ model: Module, inputShape: [Int]) -> String {
    let input = Tensor.zeros([1] + inputShape)
    let rows: [(name: String, layer: Module, outputShape: [Int])] = model.evaluating {
        if let sequential = model as? Sequential { return sequential.trace(input) }
        return [("model", model, model(input).shape)]
    }
    let shape = { (dims: [Int]) in "(" + (["None"] + dims.dropFirst().map(String.init)).joined(separator: ", ") + ")" }
    let header = ["Layer (type)", "Output Shape", "Param #"]
    let body = rows.map { [$0.name + " (" + $0.layer.summaryName + ")", shape($0.outputShape), String($0.layer.parameterCount)] }
    let widths = (0..<3).map { column in ([header] + body).map { $0[column].count }.max()! + 2 }
    let format = { (cells: [String]) in zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined() }
    let rule = String(repeating: "=", count: widths.reduce(0, +))
    let trainable = model.parameterCount
    let buffers = model.stateDict().reduce(0) { $0 + $1.tensor.count } - trainable
    return ([rule, format(header), rule] + body.map(format) + [
        rule,
        "Total params: \(trainable + buffers)",
        "Trainable params: \(trainable)",
        "Non-trainable params: \(buffers)",
    ]).joined(separator: "\n")
}
