import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import SwiftProtobuf

/// A layer that has no ONNX form, or a model card that cannot describe the graph: one line, naming the layer.
public struct ExportError: UserFacingError {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Writes a trained model as an ONNX model (opset 17): one graph input `input` of shape (batch, …card input shape),
/// one output `output` of shape (batch, …card output shape), the batch dimension dynamic, the weights as
/// initializers under their `state_dict` names, and the card's preprocessing in `metadata_props` (the keys are listed
/// in Pipelines/README.md, "ONNX export").
///
/// ```swift
/// let trained = try TrainedModel.load(store: store, runID: 7, pipeline: "classify")
/// let bytes = try ONNXExport.model(trained)
/// ```
public enum ONNXExport {
    /// The opset every exported graph imports (the default domain only) and the IR version that goes with it.
    public static let opset = 17
    static let irVersion: Int64 = 8
    public static let inputName = "input"
    public static let outputName = "output"
    static let batchDimension = "batch"

    /// A graph value's full shape in words: `[batch, 1, 28, 28]`.
    public static func layout(_ perSample: [Int]) -> String {
        "[" + ([batchDimension] + perSample.map(String.init)).joined(separator: ", ") + "]"
    }

    /// The serialized ONNX model of a model read back from the store, with the run's metadata.
    public static func model(_ trained: TrainedModel) throws -> [UInt8] {
        let metadata = try ExportMetadata.properties(card: trained.card, runID: trained.runID, weights: trained.name)
        return try model(trained.model, card: trained.card, metadata: metadata)
    }

    /// The serialized ONNX model of `network` as its card describes it (input shape, output shape, name). The
    /// export is the inference form, so `network` is switched to evaluation mode.
    static func model(_ network: Sequential, card: ModelCard, metadata: [(key: String, value: String)],
                      gateOrder: GateOrder = .onnx) throws -> [UInt8] {
        network.eval()
        var exporter = LayerExporter(gateOrder: gateOrder)
        exporter.graph.reserve(inputName)
        exporter.graph.reserve(outputName)
        let input = card.architecture.input
        let result = try exporter.sequential(network, name: "", input: inputName, shape: input)
        _ = exporter.graph.node("Identity", [result], outputs: 1, hint: outputName, named: [outputName])

        var graph = Onnx_GraphProto()
        graph.name = card.name
        graph.docString = "\(card.pipeline) model '\(card.name)' exported by Plexus"
        graph.node = exporter.graph.nodes
        graph.initializer = exporter.graph.initializers
        graph.input = [valueInfo(inputName, perSample: input)]
        graph.output = [valueInfo(outputName, perSample: card.outputShape)]

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        model.producerName = "plexus"
        model.domain = "plexus"
        model.modelVersion = 1
        var opsetImport = Onnx_OperatorSetIdProto()
        opsetImport.domain = ""
        opsetImport.version = Int64(opset)
        model.opsetImport = [opsetImport]
        model.graph = graph
        model.metadataProps = metadata.map { entry in
            var property = Onnx_StringStringEntryProto()
            property.key = entry.key
            property.value = entry.value
            return property
        }
        return [UInt8](try model.serializedData())
    }

    /// A float32 tensor of shape (batch, …perSample).
    private static func valueInfo(_ name: String, perSample: [Int]) -> Onnx_ValueInfoProto {
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = batchDimension
        var shape = Onnx_TensorShapeProto()
        shape.dim = [batch] + perSample.map { size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            dimension.dimValue = Int64(size)
            return dimension
        }
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Onnx_TensorProto.DataType.float.rawValue32
        tensorType.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensorType
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}

/// Turns Plexus modules into ONNX nodes, one function per layer family (DenseExport.swift, ImageExport.swift,
/// RecurrentExport.swift). Each takes the name of its input value and returns the name of its output value.
struct LayerExporter {
    var graph = GraphBuilder()
    /// How LSTM and GRU gate blocks are reordered (RecurrentExport.swift); tests swap two gates to see the check fail.
    let gateOrder: GateOrder

    init(gateOrder: GateOrder) { self.gateOrder = gateOrder }

    /// A module of any supported type. `name` is its `state_dict` prefix ("3", "2.conv1"), `shape` its per-sample
    /// input shape.
    mutating func layer(_ module: Module, name: String, input: String, shape: [Int]) throws -> String {
        let hint = name.isEmpty ? "layer" : name
        switch module {
        case let sequential as Sequential: return try self.sequential(sequential, name: name, input: input, shape: shape)
        case let linear as Linear: return self.linear(linear, name: hint, input: input, rank: shape.count + 1)
        case let activation as Activation: return self.activation(activation.kind, parameter: activation.parameter, input: input, hint: hint)
        case is Dropout: return graph.node("Identity", [input], hint: hint)
        case is Flatten: return graph.node("Flatten", [input], [.int("axis", 1)], hint: hint)
        case let embedding as Embedding: return self.embedding(embedding, name: hint, input: input)
        case let norm as LayerNorm: return layerNorm(norm, name: hint, input: input)
        case let conv as Conv2D: return convolution(conv, name: hint, input: input)
        case let conv as ConvTranspose2D: return transposedConvolution(conv, name: hint, input: input)
        case let pool as MaxPool2D: return maxPool(pool.config, input: input, hint: hint)
        case let pool as AvgPool2D: return averagePool(pool.config, input: input, hint: hint)
        case is GlobalAvgPool2D: return globalAveragePool(input: input, hint: hint)
        case let norm as BatchNorm: return batchNorm(norm, name: hint, input: input)
        case let upsample as Upsample: return self.upsample(upsample.config, input: input, hint: hint)
        case let block as ResidualBlock: return try residual(block, name: hint, input: input, shape: shape)
        case let recurrent as RecurrentLayer: return self.recurrent(recurrent, name: hint, input: input)
        default:
            throw ExportError("layer \(hint) (\(module.summaryName)) cannot be exported to ONNX: Plexus has no ONNX form for \(type(of: module))")
        }
    }

    /// The layers in order. Per-sample shapes come from running the layers once on a zero sample, so every layer
    /// knows its input's rank exactly as the model computes it.
    mutating func sequential(_ sequential: Sequential, name: String, input: String, shape: [Int]) throws -> String {
        let shapes = [shape] + sequential.trace(Tensor.zeros([1] + shape)).dropLast().map { Array($0.outputShape.dropFirst()) }
        var value = input
        for ((childName, child), childShape) in zip(sequential.children, shapes) {
            value = try layer(child, name: name.isEmpty ? childName : name + "." + childName, input: value, shape: childShape)
        }
        return value
    }
}
