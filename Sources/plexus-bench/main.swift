import Foundation
import Plexus
import PlexusKit

/// `make bench`: each reference model is timed in its own process (so peak memory is its own), next to the
/// same model in PyTorch CPU (bench/peers/NAME.py) and in Keras (bench/peers/keras_NAME.py), from `make bench-venv`
/// (ModelTable.swift).
///
/// `plexus-bench --model NAME` runs one model and prints its measurement as JSON. `--distributed-table` is
/// `make bench-dist` (see Distributed.swift), `--kmeans-table` is `make bench-kmeans` (KMeansBench.swift),
/// `--memory-table [COUNT]` is `make bench-memory` (MemoryBench.swift).

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
if arguments.contains("--folder-training") {
    print(String(decoding: try JSONSerialization.data(withJSONObject: try measureFolderTraining(executable: arguments[0]), options: [.sortedKeys]), as: UTF8.self))
    exit(0)
}
if let flag = arguments.firstIndex(of: "--memory-table") {
    let count = flag + 1 < arguments.count ? Int(arguments[flag + 1]) ?? 200_000 : 200_000
    try printMemoryTable(executable: arguments[0], count: count)
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
/// Exits with the usage, after naming `unknown` unless it asked for help.
func usageExit(unknown: String) -> Never {
    let help = unknown == "--help" || unknown == "-h"
    let complaint = help ? "" : "plexus-bench: unknown model '\(unknown)' (expected one of: \(models.map(\.name).joined(separator: ", ")))\n"
    let usage = "usage: plexus-bench [MODEL…] | --model MODEL | --kmeans-table | --memory-table [COUNT] | --distributed-table\n"
    FileHandle.standardError.write((complaint + usage).data(using: .utf8)!)
    exit(help ? 0 : 2)
}
if let flag = arguments.firstIndex(of: "--model"), flag + 1 < arguments.count {
    guard let model = models.first(where: { $0.name == arguments[flag + 1] }) else { usageExit(unknown: arguments[flag + 1]) }
    var measurement = model.run()
    measurement["peak_mb"] = ProcessMemory.peakMegabytes()
    let json = try JSONSerialization.data(withJSONObject: measurement, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}

func cell(_ value: Double?, _ format: String = "%.2f") -> String { value.map { String(format: format, $0) } ?? "-" }

// Otherwise the model table, of every model or of those named.
let named = Array(arguments.dropFirst())
if let unknown = named.first(where: { name in !models.contains { $0.name == name } }) { usageExit(unknown: unknown) }
try printModelTable(executable: arguments[0], models: named.isEmpty ? models : models.filter { named.contains($0.name) })
