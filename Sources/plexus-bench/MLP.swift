import Plexus

/// GEMM throughput at square sizes, and MLP 784-512-256-10 training steps (batch 128, Adam, cross-entropy).
func benchMLP() -> Measurement {
    var result: Measurement = [:]
    for n in [256, 512, 1024, 2048] {
        var rng = RandomGenerator(seed: 0)
        let a = Tensor.normal([n, n], using: &rng), b = Tensor.normal([n, n], using: &rng)
        _ = a.matmul(b)
        let seconds = (0..<5).map { _ in timed { _ = a.matmul(b) } }.min()!
        result["gemm_\(n)"] = 2 * Double(n * n * n) / seconds / 1e9
    }
    var rng = RandomGenerator(seed: 0)
    let model = Sequential([
        Linear(inputSize: 784, outputSize: 512, rng: &rng), Activation(.relu),
        Linear(inputSize: 512, outputSize: 256, rng: &rng), Activation(.relu),
        Linear(inputSize: 256, outputSize: 10, rng: &rng),
    ])
    let x = Tensor.normal([128, 784], using: &rng)
    let labels = (0..<128).map { _ in Int(rng.next() % 10) }
    let batches = [(Tensor, Targets)](repeating: (x, .classes(labels)), count: 200)
    let optimizer = Adam(parameters: model.parameters(), learningRate: 1e-3)
    let seconds = trainEpochSeconds(model: model, optimizer: optimizer, batches: batches, loss: .crossEntropy(labelSmoothing: 0, classWeights: nil))
    result["seconds"] = seconds
    result["samples_per_second"] = Double(batches.count * 128) / seconds
    return result
}
