import Foundation
import Plexus

/// An ONNX graph being written: nodes in execution order and the weights they read (initializers), every value
/// named uniquely. Each layer exporter adds its nodes through it and hands on the name of its output.
///
/// ```swift
/// var graph = GraphBuilder()
/// let weight = graph.initializer("0.weight", linear.weight)
/// let y = graph.node("Gemm", ["input", weight], [.int("transB", 1)])
/// ```
struct GraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var usedNames: Set<String> = []

    /// `hint`, or `hint_2`, `hint_3`… when it is taken.
    mutating func uniqueName(_ hint: String) -> String {
        var name = hint, suffix = 1
        while usedNames.contains(name) {
            suffix += 1
            name = "\(hint)_\(suffix)"
        }
        usedNames.insert(name)
        return name
    }

    /// Reserves a name given from outside (the graph's input), so no node takes it.
    mutating func reserve(_ name: String) { usedNames.insert(name) }

    /// A float32 initializer; the name is the weight's `state_dict` name where it has one, so a reader of the
    /// ONNX file finds the same names as in the safetensors weights.
    mutating func initializer(_ hint: String, shape: [Int], values: [Float]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(hint)
        tensor.dims = shape.map(Int64.init)
        tensor.dataType = Onnx_TensorProto.DataType.float.rawValue32
        tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian on every platform Swift targets here
        initializers.append(tensor)
        return tensor.name
    }

    mutating func initializer(_ hint: String, _ tensor: Tensor) -> String {
        initializer(hint, shape: tensor.shape, values: tensor.scalars)
    }

    /// A one-dimensional int64 initializer (shapes, axes, sizes).
    mutating func int64s(_ hint: String, _ values: [Int]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(hint)
        tensor.dims = [Int64(values.count)]
        tensor.dataType = Onnx_TensorProto.DataType.int64.rawValue32
        tensor.int64Data = values.map(Int64.init)
        initializers.append(tensor)
        return tensor.name
    }

    /// A float32 scalar initializer, for element-wise arithmetic.
    mutating func scalar(_ hint: String, _ value: Float) -> String {
        initializer(hint, shape: [], values: [value])
    }

    /// Adds one node and returns the names of its `outputs` outputs (named after `hint`, or `named` when given).
    mutating func node(_ op: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = [], outputs: Int, hint: String,
                       named: [String]? = nil) -> [String] {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = uniqueName(hint + "/" + op)
        node.input = inputs
        node.output = named ?? (0..<outputs).map { _ in uniqueName(hint + "/" + op + "_out") }
        node.attribute = attributes
        nodes.append(node)
        return node.output
    }

    /// Adds one node with a single output and returns that output's name.
    mutating func node(_ op: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = [], hint: String) -> String {
        node(op, inputs, attributes, outputs: 1, hint: hint)[0]
    }
}

extension Onnx_AttributeProto {
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = Int64(value)
        return attribute
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values.map(Int64.init)
        return attribute
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }

    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .string
        attribute.s = Data(value.utf8)
        return attribute
    }
}

extension Onnx_TensorProto.DataType {
    /// `TensorProto.data_type` and `TypeProto.Tensor.elem_type` are int32 fields holding this enum.
    var rawValue32: Int32 { Int32(rawValue) }
}
