import XCTest
@testable import Plexus

/// With `hooks.shard`, each process trains its part of every batch: together the parts cover every sample exactly
/// once per epoch, and every process takes the same number of steps, even with a data set size no batch divides.
final class DataShardTests: XCTestCase {
    func testPartsCoverEveryItemOnceAndDifferByAtMostOne() {
        for count in 1...4 {
            for size in 0...13 {
                let parts = (0..<count).map { Array(DataShard(index: $0, count: count).part(of: 100..<(100 + size))) }
                XCTAssertEqual(parts.flatMap { $0 }, Array(100..<(100 + size)), "\(size) items, \(count) shards")
                XCTAssertLessThanOrEqual(parts.map(\.count).max()! - parts.map(\.count).min()!, 1)
            }
        }
    }

    /// 37 samples in batches of 8, three processes: every sample once per epoch, five steps on every process, one of
    /// them with an empty share of a batch (the last has 5 samples: 1, 2 and 2).
    func testEveryProcessSeesItsShareOfEveryBatch() throws {
        let processes = 3
        let data = Dataset(inputs: Tensor(shape: [37, 1], scalars: (0..<37).map(Float.init)), targets: .values(Tensor.zeros([37, 1])))
        var seen: [[Int]] = [], batchSizes: [[Int]] = []
        for index in 0..<processes {
            let recorder = InputRecorder()
            let trainer = Trainer(model: recorder, optimizer: SGD(parameters: recorder.parameters(), learningRate: 0.01), loss: .mse,
                                  config: TrainingConfig(epochs: 2, batchSize: 8, seed: 5, progress: .silent))
            trainer.hooks.shard = DataShard(index: index, count: processes)
            var sizes: [Int] = []
            trainer.hooks.gradientsComputed = { _, batchSize, loss in sizes.append(batchSize); return loss }
            _ = try trainer.fit(data)
            seen.append(recorder.inputs)
            batchSizes.append(sizes)
        }
        XCTAssertEqual(batchSizes.map(\.count), [10, 10, 10], "the same number of steps on every process")
        XCTAssertEqual((0..<10).map { step in batchSizes.reduce(0) { $0 + $1[step] } }, [8, 8, 8, 8, 5, 8, 8, 8, 8, 5])
        XCTAssertEqual(batchSizes.map { $0[4] }, [1, 2, 2])
        let perEpoch = seen.map { inputs in [Array(inputs.prefix(inputs.count / 2)), Array(inputs.suffix(inputs.count / 2))] }
        for epoch in 0..<2 {
            XCTAssertEqual(perEpoch.flatMap { $0[epoch] }.sorted(), Array(0..<37), "epoch \(epoch + 1): every sample exactly once")
        }
    }
}

/// A one-weight linear model that records the sample indices (its inputs) it trains on.
private final class InputRecorder: Module {
    let weight = Tensor(shape: [1, 1], scalars: [0.5], requiresGrad: true)
    private(set) var inputs: [Int] = []
    override var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    override func forward(_ x: Tensor) -> Tensor {
        if isTraining { inputs += x.scalars.map { Int($0) } }
        return x.matmul(weight)
    }
}
