import Foundation
import PlexusFormats
import PlexusKit

/// The `metadata_props` of an exported model: what a serving client needs besides the graph. Every value is JSON
/// text (`json.loads` reads each one), so lists, numbers and strings keep their types. The keys:
///
/// - `plexus.pipeline`, `plexus.model`, `plexus.run_id`, `plexus.weights`: where the model came from;
/// - `plexus.input`, `plexus.output`: the graph's input and output names with their per-sample shapes;
/// - `preprocessing.<key>`: each entry of the model card's preprocessing record (class names, image size, scaler
///   statistics, window, thresholds…), as the pipeline stored it. Pipelines/README.md lists them per pipeline.
enum ExportMetadata {
    static func properties(card: ModelCard, runID: Int64, weights: String) throws -> [(key: String, value: String)] {
        var properties: [(key: String, value: String)] = [
            ("plexus.pipeline", try json(card.pipeline)),
            ("plexus.model", try json(card.name)),
            ("plexus.run_id", try json(runID)),
            ("plexus.weights", try json(weights)),
            ("plexus.input", try json(GraphValue(ONNXExport.inputName, card.architecture.input))),
            ("plexus.output", try json(GraphValue(ONNXExport.outputName, card.outputShape))),
        ]
        guard case .map(let entries) = card.preprocessing.content else {
            throw ExportError("run \(runID): the model card's preprocessing is not a record of named entries; it cannot go into metadata_props")
        }
        for key in entries.keys.sorted() {
            properties.append(("preprocessing." + key, try json(entries[key]!)))
        }
        return properties
    }

    /// A graph input or output as the metadata describes it: its per-sample shape, and in words with the batch axis.
    private struct GraphValue: Encodable {
        let name: String
        let shape: [Int]
        let layout: String

        init(_ name: String, _ shape: [Int]) {
            self.name = name
            self.shape = shape
            layout = ONNXExport.layout(shape)
        }
    }

    private static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
