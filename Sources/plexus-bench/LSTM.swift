import Plexus

/// LSTM(64) over windows of 60 steps of one feature (batch-first), then Linear(64 → 1) on the last hidden state:
/// 5,000 random windows an epoch in batches of 64, Adam, MSE. The data is generated before timing starts.
func benchLSTM() -> Measurement {
    let windows = 5000, steps = 60, batchSize = 64
    var rng = RandomGenerator(seed: 0)
    let model = Sequential([
        LSTM(RecurrentConfig(inputSize: 1, hiddenSize: 64), rng: &rng),
        Linear(inputSize: 64, outputSize: 1, rng: &rng),
    ])
    let x = Tensor.normal([windows, steps, 1], using: &rng), y = Tensor.normal([windows, 1], using: &rng)
    let batches = batches(of: windows, size: batchSize) { start, end in
        (x.slice(axis: 0, start: start, end: end), .values(y.slice(axis: 0, start: start, end: end)))
    }
    let optimizer = Adam(parameters: model.parameters(), learningRate: 1e-3)
    let seconds = trainEpochSeconds(model: model, optimizer: optimizer, batches: batches, loss: .mse)
    return ["seconds": seconds, "samples_per_second": Double(windows) / seconds]
}
