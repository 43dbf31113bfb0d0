import Foundation
import PlexusStore

/// The end-to-end row of `make bench`: what a user waits for. `classify train` with Keras's convnet
/// (Pipelines/classify-keras-convnet.yml) for one epoch on the Fashion-MNIST PNG folders, reading and storing the images
/// included, against Keras's `image_dataset_from_directory` + `model.fit` on the same folders
/// (bench/peers/keras_folder.py). Also the training rate `classify` itself recorded, to compare with the bench's
/// convnet row: the difference is the pipeline's overhead per epoch.

let fashionMNISTFolder = "data/generated/classify/fashion-mnist/train"

/// Runs `classify train` as a child of this process and reports its wall time and peak memory (the largest child's
/// `ru_maxrss`, so this must be the only child), and the images/s of its epoch from its database.
func measureFolderTraining(executable: String) throws -> Measurement {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-bench-folder-\(getpid())").path
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let run = try runClassify(["train", fashionMNISTFolder, "--model", "keras-convnet", "--epochs", "1", "--seed", "0", "--out", scratch + "/out"],
                              executable: executable, scratch: scratch, split: "train")
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    guard let rate = run.metrics["images_per_second"] else { throw BenchError(description: "plexus-bench: classify recorded no training rate") }
    return ["seconds": run.seconds, "peak_mb": Double(usage.ru_maxrss) / 1024, "epoch_images_per_second": rate]
}

/// Runs `classify ARGUMENTS` as a child of this process with a fresh database in `scratch`, and returns its wall
/// time and the metrics of split `split` its run recorded.
func runClassify(_ arguments: [String], executable: String, scratch: String, split: String) throws -> (seconds: Double, metrics: [String: Double]) {
    let classify = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("classify").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: classify)
    process.arguments = arguments + ["--db", scratch + "/bench.db"]
    process.standardOutput = FileHandle.nullDevice
    let seconds = try timed {
        try process.run()
        process.waitUntilExit()
    }
    guard process.terminationStatus == 0 else {
        throw BenchError(description: "plexus-bench: classify \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus))")
    }
    let store = try Store(path: scratch + "/bench.db")
    guard let run = try store.runs(limit: 1).first else { throw BenchError(description: "plexus-bench: classify \(arguments[0]) recorded no run") }
    return (seconds, try store.metrics(runID: run.id, split: split))
}

/// The row, beside the Keras peer, and the pipeline's epoch against the bench's convnet epoch.
func folderTrainingLines(executable: String, benchConvNet: Measurement?) -> (lines: [String], csv: [String]) {
    guard FileManager.default.fileExists(atPath: fashionMNISTFolder) else {
        return (["end to end: \(fashionMNISTFolder) is missing (sh data/classify/build.sh): no row"], [])
    }
    guard let ours = runJSON([executable, "--folder-training"]) as? [String: Double] else {
        return (["end to end: classify train failed"], [])
    }
    let keras = runJSON([python, "bench/peers/keras_folder.py", fashionMNISTFolder])
    let kerasSeconds = keras?["seconds"] as? Double
    var lines = ["end to end, 1 epoch of the convnet on the Fashion-MNIST PNG folders, loading included: classify train \(cell(ours["seconds"])) s, "
                 + "Keras image_dataset_from_directory + fit \(cell(kerasSeconds)) s, ratio \(cell(kerasSeconds.map { ours["seconds"]! / $0 })); "
                 + "peak \(cell(ours["peak_mb"], "%.0f")) vs \(cell(keras?["peak_mb"] as? Double, "%.0f")) MB"]
    var csv = ["end_to_end,seconds,\(cell(ours["seconds"], "%.4f")),,\(cell(kerasSeconds, "%.4f")),\(cell(kerasSeconds.map { ours["seconds"]! / $0 }, "%.3f"))",
               "end_to_end,peak_mb,\(cell(ours["peak_mb"], "%.1f")),,\(cell(keras?["peak_mb"] as? Double, "%.1f")),"]
    if let pipeline = ours["epoch_images_per_second"], let bench = benchConvNet?["samples_per_second"] {
        lines.append("classify train's epoch: \(cell(pipeline, "%.0f")) images/s against the bench's \(cell(bench, "%.0f")) for the same network: "
                     + "\(cell(100 * (bench / pipeline - 1), "%.0f"))% slower")
        csv.append("end_to_end,epoch_rate_share_of_bench,\(cell(pipeline / bench, "%.4f")),,,")
    }
    return (lines, csv)
}
