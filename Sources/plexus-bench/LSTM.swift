import Plexus

/// LSTM(64) over windows of 60 steps of one feature (batch-first), then Linear(64 → 1) on the last hidden state:
/// 5,000 random windows an epoch in batches of 64, Adam, MSE. The data is generated before timing starts.
func benchLSTM() -> Measurement {
    let workload = lstmWorkload()
    let seconds = trainEpochSeconds(model: workload.model, optimizer: workload.optimizer, batches: workload.orderedBatches(), loss: workload.loss)
    return ["seconds": seconds, "samples_per_second": Double(workload.data.count) / seconds]
}

/// The LSTM with 5,000 random windows and targets, batches of 64.
func lstmWorkload() -> Workload {
    let windows = 5000, steps = 60
    var rng = RandomGenerator(seed: 0)
    let model = Sequential([
        LSTM(RecurrentConfig(inputSize: 1, hiddenSize: 64), rng: &rng),
        Linear(inputSize: 64, outputSize: 1, rng: &rng),
    ])
    let x = Tensor.normal([windows, steps, 1], using: &rng), y = Tensor.normal([windows, 1], using: &rng)
    return Workload(model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 1e-3),
                    data: Dataset(inputs: x, targets: .values(y)), batchSize: 64, loss: .mse)
}
