import Foundation
import Plexus
import PlexusKit

/// `make bench`: each reference model is timed in its own process (so peak memory is its own), next to the
/// same model in PyTorch CPU (bench/peers/NAME.py) when torch is installed, and in Keras (bench/peers/keras_NAME.py)
/// where TensorFlow is. The table and bench/results.csv
/// report the ratio Plexus time / PyTorch time: below 1 means Plexus is faster.
///
/// `plexus-bench --model NAME` runs one model and prints its measurement as JSON. `--distributed-table` is
/// `make bench-dist` (see Distributed.swift), `--kmeans-table` is `make bench-kmeans` (KMeansBench.swift).

/// name → (description, benchmark). Each benchmark lives in its own file beside this one.
let models: [(name: String, description: String, run: () -> Measurement)] = [
    ("mlp", "MLP 784-512-256-10, 200 steps of batch 128", benchMLP),
    ("lstm", "LSTM(64) on 60x1 windows + Dense(1), 5000/epoch", benchLSTM),
    ("resnet", "ResNet 16-32-64 blocks on 32x32x3, 1024/epoch", benchResNet),
    ("convnet", "Keras mnist_convnet on 28x28x1, 60000/epoch", benchConvNet),
    ("autoencoder", "Conv autoencoder on 64x64x1, 2000/epoch", benchAutoencoder),
]

let arguments = CommandLine.arguments
if arguments.contains("--distributed") {
    let measurement = try measureDistributed()
    if DistributedJob.world.rank == 0 {
        print(String(decoding: try JSONSerialization.data(withJSONObject: measurement, options: [.sortedKeys]), as: UTF8.self))
    }
    DistributedJob.world.finalize()
    exit(0)
}
if let flag = arguments.firstIndex(of: "--kmeans"), flag + 2 < arguments.count {
    let measurement = try measureKMeans(arguments[flag + 1], file: arguments[flag + 2])
    print(String(decoding: try JSONSerialization.data(withJSONObject: measurement, options: [.sortedKeys]), as: UTF8.self))
    exit(0)
}
if arguments.contains("--kmeans-table") {
    try printKMeansTable(executable: arguments[0])
    exit(0)
}
if arguments.contains("--distributed-table") {
    try printDistributedTable(executable: arguments[0])
    exit(0)
}
if let flag = arguments.firstIndex(of: "--model"), flag + 1 < arguments.count {
    guard let model = models.first(where: { $0.name == arguments[flag + 1] }) else {
        FileHandle.standardError.write("plexus-bench: unknown model '\(arguments[flag + 1])' (expected one of: \(models.map(\.name).joined(separator: ", ")))\n".data(using: .utf8)!)
        exit(2)
    }
    var measurement = model.run()
    measurement["peak_mb"] = peakMemoryMB()
    let json = try JSONSerialization.data(withJSONObject: measurement, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}

func cell(_ value: Double?, _ format: String = "%.2f") -> String { value.map { String(format: format, $0) } ?? "-" }

let selected = arguments.dropFirst().isEmpty ? models : models.filter { arguments.dropFirst().contains($0.name) }
print("Plexus bench on \(ProcessInfo.processInfo.activeProcessorCount) cores; each model in its own process, best of its runs")
var table = TextTable(["model", "plexus s", "pytorch s", "ratio", "plexus samp/s", "pytorch samp/s", "plexus MB", "torch MB"].map { .left($0) })
var csv = ["model,plexus_seconds,pytorch_seconds,ratio"]
var peerVersion: String?
var extraLines: [String] = []
for model in selected {
    guard let ours = runJSON([CommandLine.arguments[0], "--model", model.name]) as? [String: Double] else {
        print("plexus-bench: model \(model.name) failed")
        exit(1)
    }
    let theirs = runJSON([python, "bench/peers/\(model.name).py"])
    if let version = theirs?["torch"] as? String { peerVersion = "PyTorch \(version) CPU, \(theirs?["threads"] ?? "?") threads" }
    let peerSeconds = theirs?["seconds"] as? Double
    let ratio = peerSeconds.map { ours["seconds"]! / $0 }
    table.add([model.description, cell(ours["seconds"]), cell(peerSeconds), cell(ratio), cell(ours["samples_per_second"], "%.0f"),
               cell(theirs?["samples_per_second"] as? Double, "%.0f"), cell(ours["peak_mb"], "%.0f"), cell(theirs?["peak_mb"] as? Double, "%.0f")])
    csv.append([model.name, cell(ours["seconds"], "%.4f"), cell(peerSeconds, "%.4f"), cell(ratio, "%.3f")].joined(separator: ","))
    if let inference = ours["inference_images_per_second"] {
        extraLines.append("\(model.name) inference: plexus \(cell(inference, "%.0f")) images/s, pytorch \(cell(theirs?["inference_images_per_second"] as? Double, "%.0f")) images/s")
    }
    // Keras peers (bench/peers/keras_NAME.py) run where TensorFlow is installed; their line is left out otherwise.
    if FileManager.default.fileExists(atPath: "bench/peers/keras_\(model.name).py"),
       let keras = runJSON([python, "bench/peers/keras_\(model.name).py"]), let kerasSeconds = keras["seconds"] as? Double {
        extraLines.append("\(model.name) vs Keras \(keras["keras"] ?? "?") on TensorFlow \(keras["tensorflow"] ?? "?") CPU: plexus \(cell(ours["seconds"])) s, keras \(cell(kerasSeconds)) s per epoch, "
                          + "ratio \(cell(ours["seconds"]! / kerasSeconds)); inference \(cell(ours["inference_images_per_second"], "%.0f")) vs "
                          + "\(cell(keras["inference_images_per_second"] as? Double, "%.0f")) images/s; peak \(cell(ours["peak_mb"], "%.0f")) vs \(cell(keras["peak_mb"] as? Double, "%.0f")) MB")
    }
    if model.name == "mlp" {
        let peerGEMM = theirs?["gemm_gflops"] as? [String: Double]
        for n in [256, 512, 1024, 2048] {
            extraLines.append("GEMM \(n)x\(n): plexus \(cell(ours["gemm_\(n)"], "%.1f")) GFLOP/s, pytorch \(cell(peerGEMM?[String(n)], "%.1f")) GFLOP/s")
        }
    }
}
print(peerVersion.map { "Peer: \($0)" } ?? "Peer: PyTorch not installed (pip install torch==2.13.0+cpu), Plexus numbers only")
print(table.rendered)
print(extraLines.joined(separator: "\n"))
try? FileManager.default.createDirectory(atPath: "bench", withIntermediateDirectories: true)
try csv.joined(separator: "\n").appending("\n").write(toFile: "bench/results.csv", atomically: true, encoding: .utf8)
print("Wrote bench/results.csv")
