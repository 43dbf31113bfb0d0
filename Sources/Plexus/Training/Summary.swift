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
    var table = TextTable([.left(), .left(), .left()])
    table.addRule("=")
    table.add(["Layer (type)", "Output Shape", "Param #"])
    table.addRule("=")
    for row in rows { table.add([row.name + " (" + row.layer.summaryName + ")", shape(row.outputShape), String(row.layer.parameterCount)]) }
    table.addRule("=")
    let trainable = model.parameterCount
    let buffers = model.stateDict().reduce(0) { $0 + $1.tensor.count } - trainable
    return [table.rendered, "Total params: \(trainable + buffers)", "Trainable params: \(trainable)", "Non-trainable params: \(buffers)"]
        .joined(separator: "\n")
}
