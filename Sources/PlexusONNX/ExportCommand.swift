import ArgumentParser
import Foundation
import PlexusKit
import PlexusStore

/// `plexus export`: a run's model as an ONNX file, rebuilt from the database alone (its card and weights).
public struct ExportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the model of a run as an ONNX file (opset \(ONNXExport.opset)), for ONNX Runtime, Triton or OpenVINO.",
        discussion: """
            The graph has one input 'input' and one output 'output', each with a dynamic batch axis first; metadata_props \
            hold the preprocessing a serving client repeats (see Pipelines/README.md, "ONNX export").
            """)

    @Option(name: .customLong("run"), help: "The run whose model to export.") var runID: Int64
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Which of the run's networks: model (the default), autoencoder or encoder (cluster), checkpoint (an unfinished run's last epoch).")
    var model = "model"
    @Option(name: [.short, .customLong("output")], help: "The ONNX file to write.") var output: String

    public init() {}

    public func run() throws {
        let store = try Store(path: Store.resolvePath(explicit: db))
        guard let record = try store.run(id: runID) else { throw StoreError(path: store.path, "no run \(runID)") }
        let stored = try store.modelNames(runID: runID)
        if try !stored.contains(model) || store.loadModel(runID: runID, name: model).card == nil {
            let networks = try stored.filter { try store.loadModel(runID: runID, name: $0).card != nil }
            let problem = stored.contains(model) ? "model '\(model)' is not a network (it has no model card)" : "saved no model '\(model)'"
            throw ExportError("\(store.path): run \(runID) \(problem); the run's networks: "
                              + (networks.isEmpty ? "none" : networks.joined(separator: ", ") + " (choose one with --model)"))
        }
        let trained = try TrainedModel.load(store: store, runID: runID, pipeline: record.pipeline, names: [model])
        let bytes = try ONNXExport.model(trained)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw ExportError("\(output): cannot write the ONNX file (\(error.localizedDescription))")
        }
        print("Run \(runID) (\(record.pipeline)), model '\(trained.name)': wrote \(output), \(bytes.count) bytes, ONNX opset \(ONNXExport.opset); "
              + "input '\(ONNXExport.inputName)' \(ONNXExport.layout(trained.card.architecture.input)) → output '\(ONNXExport.outputName)' \(ONNXExport.layout(trained.card.outputShape))")
    }
}
