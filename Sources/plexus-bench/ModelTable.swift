import Foundation
import Plexus

/// `make bench`'s main table: every reference model in its own process (`plexus-bench --model NAME`), beside its
/// PyTorch peer (bench/peers/NAME.py) and its Keras peer (bench/peers/keras_NAME.py) in the same run. The ratio is
/// Plexus's time over the faster peer's: below 1 means Plexus is faster than both. Then inference, the convnet's
/// share of the GEMM peak, GEMM itself, and the end-to-end row (FolderTraining.swift). bench/results.csv gets one row per figure.
func printModelTable(executable: String, models selected: [(name: String, description: String, run: () -> Measurement)]) throws {
    print("Plexus bench on \(ProcessInfo.processInfo.activeProcessorCount) cores; each model in its own process, best of its runs")
    var table = TextTable(["model", "plexus s", "pytorch s", "keras s", "ratio", "plexus samp/s", "plexus MB", "torch MB", "keras MB"].map { .left($0) })
    var csv = ["model,figure,plexus,pytorch,keras,ratio_to_fastest_peer"]
    var peers: [String: String] = [:]
    var lines: [String] = []
    var measured: [String: Measurement] = [:]
    var pytorchGEMM: [String: Double]?
    for model in selected {
        guard let ours = runJSON([executable, "--model", model.name]) as? [String: Double] else {
            throw BenchError(description: "plexus-bench: model \(model.name) failed")
        }
        measured[model.name] = ours
        let torch = runJSON([python, "bench/peers/\(model.name).py"])
        let keras = runJSON([python, "bench/peers/keras_\(model.name).py"])
        if model.name == "mlp" { pytorchGEMM = torch?["gemm_gflops"] as? [String: Double] }
        if let version = torch?["torch"] as? String { peers["pytorch"] = "PyTorch \(version) CPU, \(torch?["threads"] ?? "?") threads" }
        if let version = keras?["keras"] as? String { peers["keras"] = "Keras \(version) on TensorFlow \(keras?["tensorflow"] ?? "?") CPU" }
        func figure(_ name: String, _ ours: Double?, lowerIsBetter: Bool) -> Double? {
            let (t, k) = (torch?[name] as? Double, keras?[name] as? Double)
            let fastest = lowerIsBetter ? [t, k].compactMap { $0 }.min() : [t, k].compactMap { $0 }.max()
            let ratio = ours.flatMap { o in fastest.map { o / $0 } }
            csv.append([model.name, name, cell(ours, "%.4f"), cell(t, "%.4f"), cell(k, "%.4f"), cell(ratio, "%.3f")].joined(separator: ","))
            return ratio
        }
        let ratio = figure("seconds", ours["seconds"], lowerIsBetter: true)
        _ = figure("peak_mb", ours["peak_mb"], lowerIsBetter: true)
        table.add([model.description, cell(ours["seconds"]), cell(torch?["seconds"] as? Double), cell(keras?["seconds"] as? Double), cell(ratio),
                   cell(ours["samples_per_second"], "%.0f"), cell(ours["peak_mb"], "%.0f"), cell(torch?["peak_mb"] as? Double, "%.0f"),
                   cell(keras?["peak_mb"] as? Double, "%.0f")])
        if let inference = ours["inference_images_per_second"] {
            let speedup = figure("inference_images_per_second", inference, lowerIsBetter: false)
            lines.append("\(model.name) inference images/s: plexus \(cell(inference, "%.0f")), pytorch \(cell(torch?["inference_images_per_second"] as? Double, "%.0f")), "
                         + "keras \(cell(keras?["inference_images_per_second"] as? Double, "%.0f")); plexus / fastest peer \(cell(speedup))")
        }
    }
    if let mlp = measured["mlp"] {
        let sizes = [256, 512, 1024, 2048]
        for n in sizes {
            lines.append("GEMM \(n)x\(n): plexus \(cell(mlp["gemm_\(n)"], "%.1f")) GFLOP/s, pytorch \(cell(pytorchGEMM?[String(n)], "%.1f")) GFLOP/s")
        }
        if let convnet = measured["convnet"], let seconds = convnet["seconds"], let peak = sizes.compactMap({ mlp["gemm_\($0)"] }).max() {
            let achieved = convNetTrainingFLOPs * 60_000 / seconds / 1e9
            lines.append("convnet epoch: \(cell(convNetTrainingFLOPs * 60_000 / 1e12, "%.3f")) TFLOP in \(cell(seconds)) s = \(cell(achieved, "%.1f")) GFLOP/s, "
                         + "\(cell(100 * achieved / peak, "%.0f"))% of the GEMM peak of this run (\(cell(peak, "%.1f")) GFLOP/s)")
            csv.append("convnet,gflops_share_of_gemm_peak,\(cell(achieved / peak, "%.4f")),,,")
        }
    }
    if selected.contains(where: { $0.name == "convnet" }) {
        let folder = folderTrainingLines(executable: executable, benchConvNet: measured["convnet"])
        lines += folder.lines
        csv += folder.csv
    }
    print("Peers: " + (["pytorch", "keras"].compactMap { peers[$0] }.joined(separator: "; ").nonEmpty ?? "none installed (make bench-venv), Plexus numbers only"))
    print(table.rendered)
    print(lines.joined(separator: "\n"))
    try FileManager.default.createDirectory(atPath: "bench", withIntermediateDirectories: true)
    try csv.joined(separator: "\n").appending("\n").write(toFile: "bench/results.csv", atomically: true, encoding: .utf8)
    print("Wrote bench/results.csv")
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
