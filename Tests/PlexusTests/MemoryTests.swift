import Foundation
import XCTest
@testable import Plexus

/// Training reuses its buffers: after a warm-up, a long run of steps does not grow the process's memory.
final class MemoryTests: XCTestCase {
    /// Resident memory of this process in MiB (Linux's VmRSS).
    func residentMB() throws -> Double {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try XCTUnwrap(Double(line.split(separator: " ")[1])) / 1024
    }

    func step(_ model: Module, _ optimizer: Optimizer, _ x: Tensor, _ y: Targets, _ loss: LossFunction) {
        optimizer.zeroGrad()
        loss(model(x), y).backward()
        Autograd.withoutGradient { optimizer.step() }
    }

    /// A model with every kind of layer the issue names (convolution with fused ReLU, batch norm, pooling,
    /// transposed convolution, upsampling, a residual block, an LSTM and dropout), trained for 300 steps.
    func testLongTrainingDoesNotGrowMemory() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/proc/self/status"), "needs Linux's /proc")
        var rng = RandomGenerator(seed: 0)
        let images = Sequential([
            Conv2D(Conv2DConfig(inputChannels: 1, outputChannels: 8, kernelSize: 3, padding: 1, activation: .relu), rng: &rng),
            BatchNorm(BatchNormConfig(features: 8)),
            MaxPool2D(Pool2DConfig(kernelSize: 2)),
            ResidualBlock(ResidualBlockConfig(inputChannels: 8, outputChannels: 8), rng: &rng),
            ConvTranspose2D(ConvTranspose2DConfig(inputChannels: 8, outputChannels: 4, kernelSize: 2, stride: 2), rng: &rng),
            Upsample(UpsampleConfig(scaleFactor: 2, mode: .bilinear)),
            Flatten(), Dropout(rate: 0.2, seed: 1),
            Linear(inputSize: 4 * 32 * 32, outputSize: 10, rng: &rng),
        ])
        let sequences = Sequential([
            LSTM(RecurrentConfig(inputSize: 3, hiddenSize: 16, layers: 2), rng: &rng),
            Linear(inputSize: 16, outputSize: 1, rng: &rng),
        ])
        let imageOptimizer = Adam(parameters: images.parameters(), learningRate: 1e-3)
        let sequenceOptimizer = Adam(parameters: sequences.parameters(), learningRate: 1e-3)
        let x = Tensor.uniform([16, 1, 16, 16], using: &rng)
        let labels = Targets.classes((0..<16).map { $0 % 10 })
        let series = Tensor.normal([16, 20, 3], using: &rng), values = Targets.values(Tensor.normal([16, 1], using: &rng))
        func steps(_ count: Int) {
            for _ in 0..<count {
                step(images, imageOptimizer, x, labels, .crossEntropy(labelSmoothing: 0, classWeights: nil))
                step(sequences, sequenceOptimizer, series, values, .mse)
            }
        }
        steps(50)
        let before = try residentMB()
        steps(300)
        let after = try residentMB()
        // Leaking one step's activations would add about 1 MiB a step here, so 300 steps would add ~300 MiB.
        XCTAssertLessThan(after - before, 16, "resident memory grew from \(before) to \(after) MiB over 300 steps")
    }
}
