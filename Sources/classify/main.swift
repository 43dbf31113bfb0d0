import ArgumentParser
import ClassifyPipeline
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// `classify`: image classification from folders of PNGs (one subfolder per class), with every image, prediction
/// and metric in SQLite. Argument parsing and printing only; the work happens in ClassifyPipeline.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Train image classifiers on folders of PNGs (or on a data set stored by an earlier run), evaluate them, predict new images; everything recorded in SQLite.",
        subcommands: [TrainCommand.self, PredictCommand.self, EvaluateCommand.self, CompareCommand.self])
}

/// How many decoded images stay in memory: `train`, `compare`, `predict` and `evaluate` share it.
struct MemoryOptions: ParsableArguments {
    @Option(help: "Keep decoded images in memory up to this many MB (as Float32); a larger data set is read from its files (or, with --dataset, from the database) batch by batch, on a loader thread, with memory bounded by the batch size. 0 always streams.")
    var cacheMb = ImageMemory.defaultBudget >> 20

    func budget() throws -> Int {
        guard cacheMb >= 0 && cacheMb <= 1 << 30 else { throw ClassifyUsage("--cache-mb must be between 0 and \(1 << 30), found \(cacheMb)") }
        return cacheMb << 20
    }
}

/// Options shared by `train` and `compare`.
struct DataOptions: ParsableArguments {
    @Argument(help: "Folder with one subfolder of PNGs per class (class order: names sorted alphabetically). Or --dataset.") var directory: String?
    @Option(help: "Instead of DIR: the id of an image data set stored by an earlier run (runs.dataset_id), trained on with its stored train/val/test split; read from the database, streamed beyond --cache-mb.")
    var dataset: Int64?
    @Option(help: "Labelled test folder, same layout, evaluated after training.") var test: String?
    @Option(help: "Share of each class held out for validation (stratified, seeded; default: the pipeline file's, else 0.1).") var valSplit: Double?
    @Option(help: "Model input size WxH (default: the size of the first image); other sizes are resized bilinearly.") var imageSize: String?
    @Option(help: "gray or rgb (default: rgb when any image has colour, else gray).") var color: String?
    @Option(help: "Epochs (overrides the pipeline file).") var epochs: Int?
    @Option(help: "Batch size (overrides the pipeline file).") var batchSize: Int?
    @Flag(help: "Augment training images: random horizontal flips and shifts of up to 10%.") var augment = false
    @Option(help: "auto: weight classes by n / (classes × n_class) in the loss.") var classWeights: String?
    @Option(help: "Train on at most N images per class of DIR (seeded pick), for quick runs.") var maxPerClass: Int?
    @Flag(help: "Fail on a file that is not a valid PNG instead of skipping it.") var strict = false
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Random seed: the same seed gives the same split and numbers.") var seed: UInt64 = 42
    @Option(help: "Directory for artifacts (default: runs/<run id>/).") var out: String?
    @OptionGroup var memory: MemoryOptions

    func trainOptions() throws -> TrainOptions {
        var options = TrainOptions(directory: directory, datasetID: dataset)
        options.memoryBudget = try memory.budget()
        options.testDirectory = test
        if let valSplit {
            guard valSplit >= 0 && valSplit < 1 else { throw ClassifyUsage("--val-split must be in [0, 1), found \(valSplit)") }
            options.validationSplit = valSplit
        }
        if let imageSize {
            // The upper bound catches a typo before it asks for terabytes of images.
            guard let size = ImageGeometry.parseSize(imageSize), size.width <= 4096 && size.height <= 4096 else {
                throw ClassifyUsage("--image-size must be WxH such as 28x28, at most 4096x4096, found '\(imageSize)'")
            }
            options.imageSize = size
        }
        if let color {
            guard let mode = ColorMode(rawValue: color) else { throw ClassifyUsage("--color must be gray or rgb, found '\(color)'") }
            options.color = mode
        }
        if let epochs, epochs < 1 { throw ClassifyUsage("--epochs must be at least 1, found \(epochs)") }
        if let batchSize, batchSize < 1 { throw ClassifyUsage("--batch-size must be at least 1, found \(batchSize)") }
        if let maxPerClass, maxPerClass < 1 { throw ClassifyUsage("--max-per-class must be at least 1, found \(maxPerClass)") }
        if let classWeights, classWeights != "auto" { throw ClassifyUsage("--class-weights takes 'auto', found '\(classWeights)'") }
        options.epochs = epochs
        options.batchSize = batchSize
        options.augment = augment
        options.classWeights = classWeights != nil
        options.maxPerClass = maxPerClass
        options.strict = strict
        options.seed = seed
        options.outputDirectory = out
        options.log = log
        return options
    }
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on DIR (or --dataset ID), evaluate it next to the majority-class baseline, record the run.")

    @OptionGroup var data: DataOptions
    @Option(help: "Network: \(ClassifierModels.names.joined(separator: ", ")) (the built-in copy of Pipelines/classify[-MODEL].yml).") var model = "cnn"
    @Option(help: "Pipeline file (overrides --model); builtin:NAME names a built-in one.") var pipeline: String?
    @Option(help: "Continue this interrupted run from its last checkpoint (give the same folders and options as when it started).")
    var resume: Int64?

    func run() throws {
        var options = try data.trainOptions()
        options.pipelinePath = try pipeline ?? ClassifierModels.pipelinePath(model)
        options.resume = resume
        let store = try ClassifyTables.open(path: Store.resolvePath(explicit: data.db))
        let report = try ClassifyPipeline.train(store: store, options: options)
        print("")
        print(report.text)
        print("Run \(report.runID) recorded in \(store.path); artifacts: \(report.artifacts.joined(separator: ", "))")
        print("Try: classify predict --run \(report.runID) PATH…   or   sqlite3 \(store.path) \"select split, name, round(value, 4) from metrics where run_id = \(report.runID) and name not like '%.%'\"")
    }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train several models on the same split and compare accuracy, parameters, training time and inference speed.")

    @OptionGroup var data: DataOptions
    @Option(help: "Comma-separated models (\(ClassifierModels.names.joined(separator: ", "))).") var models = "mlp,cnn"

    func run() throws {
        let options = try data.trainOptions()
        let store = try ClassifyTables.open(path: Store.resolvePath(explicit: data.db))
        let names = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let reports = try ClassifyPipeline.compare(store: store, options: options, models: names)
        for report in reports {
            print("")
            print(report.text)
            print("Run \(report.runID); artifacts: \(report.artifacts.joined(separator: ", "))")
        }
        print("")
        print(ClassifyPipeline.comparisonText(reports))
        print("Runs recorded in \(store.path).")
    }
}

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify PNG files (or folders, recursively), or a stored data set's images, with the model of a training run.")

    @Option(name: .customLong("run"), help: "Training run whose model to use.") var runID: Int64
    @Argument(help: "PNG files or folders (or --dataset).") var paths: [String] = []
    @Option(help: "Instead of PATHs: the id of an image data set stored in the database; its images are predicted from there.")
    var dataset: Int64?
    @Option(help: "With --dataset: only this split (train, val, test…); default every split but excluded.") var split: String?
    @Option(help: "Also write the predictions to this CSV file.") var csv: String?
    @Flag(help: "Fail on a file that is not a valid PNG instead of skipping it.") var strict = false
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        var options = PredictOptions(runID: runID, paths: paths, datasetID: dataset, split: split)
        options.memoryBudget = try memory.budget()
        options.csvPath = csv
        options.strict = strict
        options.log = log
        let store = try ClassifyTables.open(path: Store.resolvePath(explicit: db))
        let report = try ClassifyPipeline.predict(store: store, options: options)
        for line in report.lines { print(line) }
        print("")
        print(report.summary)
        print("Recorded as run \(report.runID) in \(store.path)" + (csv.map { "; CSV: \($0)" } ?? ""))
    }
}

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Evaluate the model of a training run on a labelled folder (one subfolder per class).")

    @Option(name: .customLong("run"), help: "Training run whose model to use.") var runID: Int64
    @Argument(help: "Folder with one subfolder of PNGs per class.") var directory: String
    @Flag(help: "Fail on a file that is not a valid PNG instead of skipping it.") var strict = false
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Directory for artifacts (default: runs/<run id>/).") var out: String?
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        var options = EvaluateOptions(runID: runID, directory: directory)
        options.memoryBudget = try memory.budget()
        options.strict = strict
        options.outputDirectory = out
        options.log = log
        let store = try ClassifyTables.open(path: Store.resolvePath(explicit: db))
        let report = try ClassifyPipeline.evaluate(store: store, options: options)
        print(report.text)
        print("Recorded as run \(report.runID) in \(store.path); artifacts: \(report.artifacts.joined(separator: ", "))")
    }
}

/// A wrong option value, reported like every other error: one line, exit 1.
struct ClassifyUsage: UserFacingError {
    let description: String
    init(_ description: String) { self.description = description }
}

func log(_ line: String) {
    print(line)
    fflush(stdout)
}

/// Errors a user can act on print as one line on stderr with a non-zero exit, not as a stack of Swift types.
runCommand(ClassifyCommand.self)
