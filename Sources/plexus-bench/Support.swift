import Foundation
import Plexus

/// What one benchmarked model reports, as JSON, for the table and `bench/results.csv`.
typealias Measurement = [String: Double]

/// Seconds taken by `body`.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Seconds for one training pass over `batches`, the best of `passes` passes after a few warm-up steps, as the
/// peers measure it (sub-second epochs vary by tens of percent from pass to pass on a shared machine).
func trainEpochSeconds(model: Module, optimizer: Optimizer, batches: [(Tensor, Targets)], loss: LossFunction,
                       passes: Int = 5, warmup: Int = 3) -> Double {
    func step(_ x: Tensor, _ y: Targets) {
        optimizer.zeroGrad()
        loss(model(x), y).backward()
        Autograd.withoutGradient { optimizer.step() }
    }
    model.train()
    for (x, y) in batches.prefix(warmup) { step(x, y) }
    return (0..<passes).map { _ in timed { for (x, y) in batches { step(x, y) } } }.min()!
}

/// A reference model with its random data, optimizer and loss: timed alone (`make bench`) and across processes
/// (`make bench-dist`).
struct Workload {
    let model: Module
    let optimizer: Optimizer
    let data: Dataset
    let batchSize: Int
    let loss: LossFunction

    /// The data cut into batches in order, as views (made before timing). Every workload's data are in memory.
    func orderedBatches() -> [(Tensor, Targets)] {
        guard let inputs = data.inputs.tensor else { preconditionFailure("bench workloads hold their data in memory") }
        return batches(of: data.count, size: batchSize) { start, end in
            let targets: Targets
            switch data.targets {
            case .values(let values): targets = .values(values.slice(axis: 0, start: start, end: end))
            case .classes(let labels): targets = .classes(Array(labels[start..<end]))
            }
            return (inputs.slice(axis: 0, start: start, end: end), targets)
        }
    }
}

/// `count` samples cut into batches of `batchSize` (the last one shorter): `make(start, end)` gives one batch.
func batches(of count: Int, size batchSize: Int, _ make: (_ start: Int, _ end: Int) -> (Tensor, Targets)) -> [(Tensor, Targets)] {
    stride(from: 0, to: count, by: batchSize).map { make($0, min($0 + batchSize, count)) }
}

/// Images per second over `steps` forward passes of the batch `x` in eval mode without gradients, best of three
/// after a warm-up, as the peers measure it.
func inferenceImagesPerSecond(_ model: Module, _ x: Tensor, steps: Int) -> Double {
    let seconds = model.evaluating {
        for _ in 0..<3 { _ = model(x) }
        return (0..<3).map { _ in timed { for _ in 0..<steps { _ = model(x) } } }.min()!
    }
    return Double(steps * x.shape[0]) / seconds
}

/// Runs a command and parses the JSON object it prints last; nil when it fails (e.g. torch not installed).
func runJSON(_ arguments: [String]) -> [String: Any]? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last else { return nil }
    return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
}

/// The Python that runs the peers: `PLEXUS_PYTHON` (which `make bench` points at its venv with PyTorch CPU), else
/// `python3` from PATH.
let python = ProcessInfo.processInfo.environment["PLEXUS_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
