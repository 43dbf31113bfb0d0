import ArgumentParser
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusONNX
import PlexusStore
import PlexusUI

/// `plexus`: the engine's own command: the demo, the list of runs, model summaries of pipeline files and ONNX export.
/// Argument parsing and printing only; the work happens in PlexusKit.
struct PlexusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plexus",
        abstract: "Plexus: deep learning in one native binary, with its data and results in SQLite.",
        subcommands: [DemoCommand.self, RunsCommand.self, SummaryCommand.self, ExportCommand.self, UICommand.self])
}

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train the demo MLP on the built-in two-moons problem next to a logistic-regression baseline; record the run.")

    @Option(help: "Pipeline file with the model and training settings; builtin:NAME names a built-in one.")
    var pipeline = Demo.Options().pipelinePath
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Random seed: the same seed gives the same numbers.") var seed: UInt64 = 42
    @Option(help: "Epochs (overrides the pipeline file).") var epochs: Int?
    @Option(help: "Directory for artifacts (default: runs/<run id>/).") var out: String?
    @Option(help: "Continue this interrupted run from its last checkpoint (give the same options as when it started).") var resume: Int64?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, found \(epochs)") }
    }

    func run() throws {
        let store = try Store(path: Store.resolvePath(explicit: db))
        let report = try Demo.run(store: store, options: Demo.Options(pipelinePath: pipeline, seed: seed, epochs: epochs, outputDirectory: out,
                                                                      resume: resume))
        print(report.modelSummary)
        print("")
        print("Test accuracy  mlp: \(percent(report.testMetrics["mlp.accuracy"]!))  logistic regression (baseline): \(percent(report.testMetrics["logistic.accuracy"]!))")
        let gain = report.testMetrics["mlp.accuracy"]! - report.testMetrics["logistic.accuracy"]!
        print(gain > 0 ? "The MLP beat the linear baseline by \(String(format: "%.1f", gain * 100)) percentage points." : "The MLP did not beat the linear baseline.")
        print("Run \(report.runID) recorded in \(store.path) (best epoch \(report.history.bestEpoch) of \(report.history.epochs.count)); weights: \(report.weightsPath)")
        print("Try: sqlite3 \(store.path) 'select id, pipeline, status from runs'")
    }

    func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
}

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the recorded runs, newest first; runs whose process died are marked interrupted first.")

    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Only runs of this pipeline.") var pipeline: String?
    @Option(help: "How many runs to list.") var limit = 20

    func run() throws {
        let store = try Store(path: Store.resolvePath(explicit: db))
        for run in store.reconciled {
            print("Run \(run.id) (\(run.pipeline)) was still marked running: now interrupted, \(run.reason).")
        }
        print(try RunList.table(store: store, pipeline: pipeline, limit: limit))
    }
}

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summary", abstract: "Print the model of a pipeline file, layer by layer.")

    @Argument(help: "Pipeline file (YAML), or builtin:NAME for a built-in one (\(PipelineFiles.builtinNames.joined(separator: ", "))).")
    var pipeline: String

    func run() throws {
        let spec = try PipelineFiles.load(pipeline)
        let (model, _) = try ModelBuilder.build(spec.model, file: spec.file, seed: 0)
        print(summary(model, inputShape: spec.model.input))
    }
}

struct UICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Browse, compare and inspect the runs of a database in a web browser (read-only).")

    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Address to listen on; anything but 127.0.0.1 lets other machines in, and the pages have no login.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8050

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be from 1 to 65535, found \(port)") }
    }

    func run() throws {
        if !["127.0.0.1", "localhost", "::1"].contains(host) {
            FileHandle.standardError.write(Data("plexus ui: warning: listening on \(host), not only this machine: anyone who can reach it sees every run, and the pages have no login.\n".utf8))
        }
        try UIServer.serve(database: Store.resolvePath(explicit: db), host: host, port: port) { line in
            print(line)
            fflush(stdout)
        }
    }
}

/// Errors a user can act on print as one line on stderr with a non-zero exit, not as a stack of Swift types.
runCommand(PlexusCommand.self)
