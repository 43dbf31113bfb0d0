import Foundation
import Plexus

/// `make bench`: GEMM throughput and an MLP training step, each next to PyTorch CPU on the same machine
/// when torch is installed (bench/peers/). Speed claims come only from ratios measured in one run.

let gemmSizes = [256, 512, 1024, 2048]
let batch = 128, widths = [784, 512, 256, 10], steps = 50

/// The fastest of `repeats` timed runs after one warm-up, in seconds.
func bestOf(_ repeats: Int, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

func plexusGEMM(_ n: Int) -> Double {
    var rng = RandomGenerator(seed: 0)
    let a = Tensor.normal([n, n], using: &rng), b = Tensor.normal([n, n], using: &rng)
    let seconds = bestOf(n < 2048 ? 5 : 3) { _ = a.matmul(b) }
    return 2 * Double(n * n * n) / seconds / 1e9
}

func plexusMLPStep() -> Double {
    var rng = RandomGenerator(seed: 0)
    var layers: [Module] = []
    for i in 0..<(widths.count - 1) {
        layers.append(Linear(inputSize: widths[i], outputSize: widths[i + 1], rng: &rng))
        if i < widths.count - 2 { layers.append(Activation(.relu)) }
    }
    let model = Sequential(layers)
    let optimizer = Adam(parameters: model.parameters(), learningRate: 1e-3)
    let x = Tensor.normal([batch, widths[0]], using: &rng)
    let labels = (0..<batch).map { _ in Int(rng.next() % UInt64(widths.last!)) }
    let seconds = bestOf(3) {
        for _ in 0..<steps {
            optimizer.zeroGrad()
            let loss = Loss.crossEntropy(model(x), labels)
            loss.backward()
            Autograd.withoutGradient { optimizer.step() }
        }
    }
    return seconds / Double(steps) * 1000
}

/// Runs the PyTorch peer script; nil when torch is not installed.
func pytorchPeer() -> [String: Any]? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "bench/peers/mlp_step.py", gemmSizes.map(String.init).joined(separator: ","),
                         String(batch), widths.map(String.init).joined(separator: ","), String(steps)]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
}

func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }

print("Plexus bench — \(ProcessInfo.processInfo.activeProcessorCount) cores")
let peer = pytorchPeer()
if let peer {
    print("PyTorch \(peer["torch"] ?? "?") CPU with \(peer["threads"] ?? "?") threads as the peer")
} else {
    print("PyTorch not installed (pip install torch==2.13.0+cpu): Plexus numbers only")
}
print("")
print(cell("benchmark", 28) + cell("plexus", 14) + cell("pytorch", 14) + "ratio (plexus time / pytorch time)")
let peerGEMM = peer?["gemm"] as? [String: Double]
for n in gemmSizes {
    let ours = plexusGEMM(n)
    let theirs = peerGEMM?[String(n)]
    print(cell("GEMM \(n)x\(n) GFLOP/s", 28) + cell(String(format: "%.1f", ours), 14)
          + cell(theirs.map { String(format: "%.1f", $0) } ?? "-", 14) + (theirs.map { String(format: "%.2f", $0 / ours) } ?? "-"))
}
let ours = plexusMLPStep()
let theirs = peer?["mlp_step_ms"] as? Double
print(cell("MLP 784-512-256-10 step ms", 28) + cell(String(format: "%.3f", ours), 14)
      + cell(theirs.map { String(format: "%.3f", $0) } ?? "-", 14) + (theirs.map { String(format: "%.2f", ours / $0) } ?? "-"))
print("(MLP step: batch \(batch), Adam, cross-entropy, forward + backward + update; best of 3 runs of \(steps) steps)")
