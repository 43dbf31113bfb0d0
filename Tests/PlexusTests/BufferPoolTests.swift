import XCTest
@testable import Plexus

/// Large buffers are reused by size and kept only up to the live peak, so a training loop's memory stops growing
/// after its first steps.
final class BufferPoolTests: XCTestCase {
    func testAFreedBufferServesTheNextRequestOfItsSize() throws {
        let pool = BufferPool()
        let megabyte = 1 << 20
        let first = try XCTUnwrap(pool.take(megabyte))
        pool.give(first, bytes: megabyte)
        XCTAssertEqual(pool.statistics.kept, megabyte)
        let again = try XCTUnwrap(pool.take(megabyte))
        XCTAssertEqual(again, first)
        XCTAssertEqual(pool.statistics.kept, 0)
        let other = try XCTUnwrap(pool.take(2 * megabyte))  // another size: a new mapping
        XCTAssertNotEqual(other, first)
        XCTAssertEqual(pool.statistics.live, 3 * megabyte)
        pool.give(again, bytes: megabyte)
        pool.give(other, bytes: 2 * megabyte)
        XCTAssertEqual(pool.statistics.kept, 3 * megabyte)
        pool.releaseAll()
        XCTAssertEqual(pool.statistics.kept, 0)
        XCTAssertEqual(pool.statistics.live, 0)
    }

    /// Live and kept bytes together never exceed the peak of live bytes and its slack: a new size first unmaps kept
    /// buffers of other sizes. After `releaseAll` the peak starts again from what is live.
    func testMappedBytesStayUnderTheLivePeak() throws {
        let pool = BufferPool(minimumSlack: 0)  // the slack is then an eighth of the peak
        let size = 512 << 10
        let buffers = try (0..<4).map { _ in try XCTUnwrap(pool.take(size)) }
        for buffer in buffers { pool.give(buffer, bytes: size) }
        XCTAssertEqual(pool.statistics.kept, 4 * size)  // the peak: 4 × size
        let large = try XCTUnwrap(pool.take(3 * size))  // live 3, kept 4: keeping more than one of the four kept buffers would leave over 4.5 mapped
        XCTAssertEqual(pool.statistics.live, 3 * size)
        XCTAssertEqual(pool.statistics.kept, size, "three of the four kept buffers unmapped")
        pool.give(large, bytes: 3 * size)
        XCTAssertEqual(pool.statistics.kept, 4 * size)
        pool.releaseAll()
        XCTAssertEqual(pool.statistics.kept, 0)
        let one = try XCTUnwrap(pool.take(size))  // the peak is now 1 × size
        pool.give(one, bytes: size)
        let two = try XCTUnwrap(pool.take(2 * size))  // a new peak, 2: with the kept one, 3 > 2.25 mapped
        XCTAssertEqual(pool.statistics.kept, 0)
        pool.give(two, bytes: 2 * size)
        pool.releaseAll()
    }

    /// Steps of a small convolutional network allocate the same sizes each time: after the first steps the
    /// backend's pool maps nothing new.
    func testTrainingStepsReuseTheirBuffers() {
        var rng = RandomGenerator(seed: 3)
        let model = Sequential([
            Conv2D(Conv2DConfig(inputChannels: 3, outputChannels: 32, kernelSize: 3, padding: 1), rng: &rng),
            BatchNorm(features: 32), Activation(.relu), MaxPool2D(Pool2DConfig(kernelSize: 2)),
            Flatten(), Linear(inputSize: 32 * 16 * 16, outputSize: 10, rng: &rng),
        ])
        let images = Tensor.uniform([32, 3, 32, 32], using: &rng)
        let labels = Targets.classes((0..<32).map { $0 % 10 })
        let optimizer = Adam(parameters: model.parameters(), learningRate: 1e-3)
        func step() {
            optimizer.zeroGrad()
            LossFunction.crossEntropy(labelSmoothing: 0, classWeights: nil)(model(images), labels).backward()
            Autograd.withoutGradient { optimizer.step() }
        }
        model.train()
        for _ in 0..<3 { step() }
        let mapped = BufferPool.shared.statistics
        for _ in 0..<20 { step() }
        let after = BufferPool.shared.statistics
        XCTAssertGreaterThan(mapped.live + mapped.kept, 1 << 20, "the step's large buffers come from the pool")
        XCTAssertEqual(after.live + after.kept, mapped.live + mapped.kept, "20 more steps mapped new buffers")
    }
}
