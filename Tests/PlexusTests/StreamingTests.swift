import Foundation
import XCTest
@testable import Plexus

/// Samples streamed from a `SampleSource` train, evaluate and predict exactly as the same samples in memory; the
/// loader thread reads a bounded number of batches ahead and hands a read error to the training loop.
final class StreamingTests: XCTestCase {
    /// Sample i is (sin(3i), sin(3i+1), sin(3i+2)): an index mix-up changes the numbers. Counts what it has read.
    final class CountingSource: SampleSource, @unchecked Sendable {
        let count: Int
        let sampleShape = [3]
        let failingIndex: Int?
        private let lock = NSLock()
        private var batchesRead = 0

        init(count: Int, failingIndex: Int? = nil) {
            self.count = count
            self.failingIndex = failingIndex
        }

        var batches: Int { lock.withLock { batchesRead } }

        static func values(_ index: Int) -> [Float] { (0..<3).map { sin(Float(3 * index + $0)) } }

        func load(_ indices: [Int], into output: UnsafeMutableBufferPointer<Float>) throws {
            for (position, index) in indices.enumerated() {
                if index == failingIndex { throw TestError(description: "sample \(index): cannot be read") }
                for (offset, value) in Self.values(index).enumerated() { output[position * 3 + offset] = value }
            }
            lock.withLock { batchesRead += 1 }
        }
    }

    struct TestError: Error, CustomStringConvertible { let description: String }

    private func data(_ count: Int) -> (tensor: Tensor, labels: [Int]) {
        let scalars = (0..<count).flatMap(CountingSource.values)
        let labels = (0..<count).map { CountingSource.values($0)[0] + CountingSource.values($0)[1] > 0 ? 1 : 0 }
        return (Tensor(shape: [count, 3], scalars: scalars), labels)
    }

    private func trainer(seed: UInt64) -> Trainer {
        var rng = RandomGenerator(seed: seed)
        let model = Sequential([Linear(inputSize: 3, outputSize: 8, rng: &rng), Activation(.tanh), Linear(inputSize: 8, outputSize: 2, rng: &rng)])
        return Trainer(model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 0.01),
                       loss: .crossEntropy(labelSmoothing: 0, classWeights: nil), metrics: [.accuracy],
                       config: TrainingConfig(epochs: 3, batchSize: 16, seed: 5, progress: .silent))
    }

    func testStreamedTrainingMatchesInMemoryBitForBit() throws {
        let (tensor, labels) = data(150)
        let inMemory = Dataset(inputs: tensor, targets: .classes(labels)).split(validationFraction: 0.2, seed: 9)
        let streamed = Dataset(samples: Samples(CountingSource(count: 150)), targets: .classes(labels)).split(validationFraction: 0.2, seed: 9)
        XCTAssertTrue(streamed.train.inputs.isStreamed)

        let (a, b) = (trainer(seed: 1), trainer(seed: 1))
        let historyA = try a.fit(inMemory.train, validation: inMemory.validation)
        let historyB = try b.fit(streamed.train, validation: streamed.validation)
        XCTAssertEqual(historyA.epochs.map(\.trainLoss), historyB.epochs.map(\.trainLoss))
        XCTAssertEqual(historyA.epochs.map(\.validationLoss), historyB.epochs.map(\.validationLoss))
        XCTAssertEqual(a.model.parameters().map(\.scalars), b.model.parameters().map(\.scalars))
        XCTAssertEqual(try a.evaluate(inMemory.validation).loss, try b.evaluate(streamed.validation).loss)
        XCTAssertEqual(try a.model.predict(Samples(tensor), batchSize: 7).scalars,
                       try b.model.predict(Samples(CountingSource(count: 150)), batchSize: 7).scalars)
    }

    func testLoaderReadsABoundedNumberOfBatchesAhead() throws {
        let source = CountingSource(count: 100)
        let batches = stride(from: 0, to: 100, by: 10).map { Array($0..<$0 + 10) }
        let loader = BatchLoader(Samples(source), batches: batches, depth: 2)
        let first = try loader.next()
        XCTAssertEqual(first.shape, [10, 3])
        XCTAssertEqual(Array(first.scalars.prefix(3)), CountingSource.values(0))
        Thread.sleep(forTimeInterval: 0.3)
        // One batch taken, two ready: the loader waits for the consumer instead of reading all ten.
        XCTAssertEqual(source.batches, 3)
        for _ in 1..<10 { _ = try loader.next() }
        XCTAssertEqual(source.batches, 10)
    }

    func testAReadErrorEndsTrainingWithTheSourcesError() throws {
        let (_, labels) = data(64)
        let dataset = Dataset(samples: Samples(CountingSource(count: 64, failingIndex: 40)), targets: .classes(labels))
        XCTAssertThrowsError(try trainer(seed: 1).fit(dataset)) { error in
            XCTAssertEqual("\(error)", "sample 40: cannot be read")
        }
    }
}
