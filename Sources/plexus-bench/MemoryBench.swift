import Foundation
import Plexus
import PlexusFormats

/// `make bench-memory`: a folder too large for memory, trained on and predicted. 200,000 colour PNGs of 64x64
/// (9.8 GB as Float32, 2.5 GB of files) in two classes, made once under data/generated/bench-memory/; then
/// `classify train --epochs 1` (bench/memory-cnn.yml, a small CNN: the data, not the model, is what is measured) and
/// `classify predict` on the whole folder, then both again from the database the first run stored the images in
/// (`--dataset 1`), each a fresh process. Reported: wall time and the
/// peak resident memory each run recorded (`peak_rss_mb`, the kernel's VmHWM for that process), against the 2 GB the
/// issue allows; `bench/memory-results.csv`.

let memoryImagesFolder = "data/generated/bench-memory/images"

/// Writes `count` 64x64 colour PNGs in two classes (`dark`, `light`): a noisy picture per class, each file's index
/// in its first pixels so that no two files share a hash. Skipped when a marker says the folder has `count`.
func makeMemoryImages(count: Int) throws {
    let marker = memoryImagesFolder + "/.count"
    if (try? String(contentsOfFile: marker, encoding: .utf8)) == String(count) { return }
    print("writing \(count) PNGs of 64x64 RGB to \(memoryImagesFolder) (once)")
    var rng = RandomGenerator(seed: 11)
    for (classIndex, name) in ["dark", "light"].enumerated() {
        let folder = memoryImagesFolder + "/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for index in 0..<count / 2 {
            var pixels = (0..<64 * 64 * 3).map { _ in Float(classIndex) * 0.4 + rng.nextFloat() * 0.6 }
            for digit in 0..<6 { pixels[digit] = Float((index >> (digit * 3)) & 7) / 7 }
            try PNG.write(PNGImage(width: 64, height: 64, channels: 3, pixels: pixels), path: "\(folder)/\(index).png")
        }
    }
    try String(count).write(toFile: marker, atomically: true, encoding: .utf8)
}

/// `classify ARGUMENTS` run with a fresh database: its wall time and the peak memory its run recorded.
func measureClassify(_ arguments: [String], executable: String, scratch: String, split: String) throws -> (seconds: Double, peakMB: Double) {
    let run = try runClassify(arguments, executable: executable, scratch: scratch, split: split)
    guard let peak = run.metrics["peak_rss_mb"] else { throw BenchError(description: "plexus-bench: classify \(arguments[0]) recorded no peak_rss_mb") }
    return (run.seconds, peak)
}

/// The table of `make bench-memory`.
func printMemoryTable(executable: String, count: Int) throws {
    try makeMemoryImages(count: count)
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-bench-memory-\(getpid())").path
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let asFloat32 = Double(count * 64 * 64 * 3 * 4) / 1e9
    print(String(format: "%d images of 64x64 RGB in %@: %.1f GB as Float32", count, memoryImagesFolder, asFloat32))

    // One database: run 1 trains on the folder (and stores its images as data set 1), run 2 predicts the folder,
    // runs 3 and 4 do the same from the database (`--dataset 1`, each batch's PNGs read from SQLite).
    let out = ["--out", scratch + "/out"]
    let runs: [(row: String, arguments: [String], split: String)] = [
        ("train", ["train", memoryImagesFolder, "--pipeline", "bench/memory-cnn.yml", "--epochs", "1"] + out, "train"),
        ("predict", ["predict", "--run", "1", memoryImagesFolder], "predict"),
        ("train --dataset", ["train", "--dataset", "1", "--pipeline", "bench/memory-cnn.yml", "--epochs", "1"] + out, "train"),
        ("predict --dataset", ["predict", "--run", "1", "--dataset", "1"], "predict"),
    ]
    var csv = "row,images,seconds,peak_mb\n"
    for run in runs {
        let measured = try measureClassify(run.arguments, executable: executable, scratch: scratch, split: run.split)
        print(String(format: "classify %@%@: %.0f s, peak RSS %.0f MB (limit 2048)", run.row, run.split == "train" ? " --epochs 1" : "",
                     measured.seconds, measured.peakMB))
        csv += String(format: "%@,%d,%.1f,%.1f\n", run.row, count, measured.seconds, measured.peakMB)
    }
    try csv.write(toFile: "bench/memory-results.csv", atomically: true, encoding: .utf8)
    print("bench/memory-results.csv written")
}
