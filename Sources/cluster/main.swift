import ArgumentParser
import ClusterPipeline
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// `cluster`: user segments from an event log. Argument parsing and printing only; the work is in ClusterPipeline.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Segment users from an event log (or a per-user feature table) and record the segments in SQLite.",
        subcommands: [RunCommand.self, AssignCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// Column names shared by `run` and `assign`; unset ones are guessed from the header and reported.
struct ColumnArguments: ParsableArguments {
    @Option(help: "Column with the user id (default: guessed, e.g. user_id, customer_id).") var userColumn: String?
    @Option(help: "Column with the event time (default: guessed, e.g. timestamp, date). Without one, the input is a per-user feature table.") var timeColumn: String?
    @Option(help: "Column with the amount spent (default: guessed, e.g. amount, revenue; optional).") var amountColumn: String?
    @Option(help: "Column with the event type (default: guessed, e.g. event, action; optional).") var eventColumn: String?
    @Option(help: "Column with the category (default: guessed, e.g. category; optional).") var categoryColumn: String?
    @Option(help: "Reference date for recency (default: the last event); later events are left out.") var asOf: String?
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Random seed: the same seed gives the same segments.") var seed: UInt64 = 42
    @Option(help: "Directory for the plots and segments.csv (default: runs/<run id>/).") var out: String?

    var columns: ColumnOptions {
        ColumnOptions(user: userColumn, time: timeColumn, amount: amountColumn, event: eventColumn, category: categoryColumn)
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Build per-user features, embed, cluster, profile and name the segments (the default command).")

    @Argument(help: "Event log (CSV), or a per-user feature table.") var events: String
    @OptionGroup var common: ColumnArguments
    @Option(help: "Number of segments, or 'auto' for the best silhouette over k = 2…10.", transform: { text in
        guard let count = ClusterCount(text) else { throw ValidationError("--k: expected 'auto' or an integer of at least 2, found '\(text)'") }
        return count
    }) var k = ClusterCount.auto
    @Option(help: "Space to cluster in: 'autoencoder' (the bottleneck of the pipeline file's model) or 'none' (the standardised features).")
    var embed = "autoencoder"
    @Option(help: "Pipeline file with the autoencoder and its training settings; builtin:NAME names a built-in one.")
    var pipeline = ClusterPipeline.RunOptions(input: "").pipelinePath
    @Option(help: "Autoencoder epochs (overrides the pipeline file).") var epochs: Int?
    @Option(help: "Continue this interrupted run from its last checkpoint (give the same input and options as when it started).")
    var resume: Int64?

    func validate() throws {
        guard Embedding(rawValue: embed) != nil else { throw ValidationError("--embed: expected 'none' or 'autoencoder', found '\(embed)'") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs: expected at least 1, found \(epochs)") }
    }

    func run() throws {
        var options = ClusterPipeline.RunOptions(input: events)
        options.columns = common.columns
        options.clusters = k
        options.embedding = Embedding(rawValue: embed)!
        options.pipelinePath = pipeline
        options.asOf = common.asOf
        options.seed = common.seed
        options.epochs = epochs
        options.outputDirectory = common.out
        options.resume = resume
        let store = try ClusterStore.open(path: Store.resolvePath(explicit: common.db))
        let report = try ClusterPipeline.run(store: store, options: options, log: { print($0) })

        let input = report.input
        print("")
        print("\(input.path): \(input.events.map { "\($0) events, " } ?? "")\(input.users) users"
              + (input.asOf.map { ", as of \($0.iso8601)" } ?? "")
              + (input.eventsAfterAsOf > 0 ? " (\(input.eventsAfterAsOf) later events left out)" : ""))
        if let autoencoder = report.autoencoder {
            print("")
            print(autoencoder.summary)
            print(String(format: "Autoencoder: %d epochs (best %d), %.2f s/epoch; reconstruction MSE %.4f vs PCA with %d components %.4f (baseline)",
                         autoencoder.epochs, autoencoder.bestEpoch, autoencoder.secondsPerEpoch, autoencoder.reconstructionError,
                         autoencoder.width, autoencoder.pcaReconstructionError))
        }
        for variant in report.variants {
            print("")
            print("k-means on \(variant.name == "raw" ? "the raw features (baseline)" : "the autoencoder embedding") (\(variant.dimensions) dimensions); * = best silhouette:")
            print(ReportText.search(variant))
        }
        print("")
        print("Segments (\(report.usedVariant.name == "raw" ? "raw features" : "autoencoder embedding"), k = \(report.usedVariant.best.k)):")
        print(ReportText.segments(report.profiles, features: report.features))
        print("")
        print("Artifacts: \(report.artifacts.joined(separator: ", "))")
        print("Time: " + report.timings.map { String(format: "%@ %.1f s", $0.phase, $0.seconds) }.joined(separator: ", "))
        print(ReportText.closing(report))
        print("Try: sqlite3 \(store.path) 'select segment, name, users, round(revenue_share, 3) from segment_profiles where run_id = \(report.runID)'")
    }
}

struct AssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Put the users of a newer log into the segments of an earlier run (its scaler, encoder and centroids).")

    @Option(name: .customLong("run"), help: "The run whose segments to use.") var runID: Int64
    @Argument(help: "Event log (CSV), or a per-user feature table, with the columns the run was built on.") var events: String
    @OptionGroup var common: ColumnArguments

    func run() throws {
        var options = ClusterPipeline.AssignOptions(runID: runID, input: events)
        options.columns = common.columns
        options.asOf = common.asOf
        options.seed = common.seed
        options.outputDirectory = common.out
        let store = try ClusterStore.open(path: Store.resolvePath(explicit: common.db))
        let report = try ClusterPipeline.assign(store: store, options: options, log: { print($0) })
        print("\(report.input.path): \(report.input.events.map { "\($0) events, " } ?? "")\(report.input.users) users"
              + (report.input.asOf.map { ", as of \($0.iso8601)" } ?? ""))
        print("")
        print("Segments of run \(report.sourceRunID):")
        print(ReportText.segments(report.profiles, features: report.features))
        print("")
        print("\(report.returningUsers) users were also in run \(report.sourceRunID); \(report.movedUsers) of them moved to another segment.")
        print("Artifacts: \(report.artifacts.joined(separator: ", "))")
        print(String(format: "Run %lld recorded in %@ (%.1f s).", report.runID, store.path, report.seconds))
    }
}

/// Errors a user can act on print as one line on stderr with a non-zero exit, not as a stack of Swift types.
runCommand(ClusterCommand.self)
