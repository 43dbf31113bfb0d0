import Plexus

/// A convolutional autoencoder on 64×64×1 images: three stride-2 convolutions down (16, 32, 64 channels, kernel 3,
/// padding 1, ReLU), three stride-2 transposed convolutions back up (32, 16, 1 channels, output padding 1, ReLU
/// between, sigmoid last); Adam 1e-3, MSE against the input, batches of 32 over 2,000 random images.
func benchAutoencoder() -> Measurement {
    let workload = autoencoderWorkload()
    let seconds = trainEpochSeconds(model: workload.model, optimizer: workload.optimizer, batches: workload.orderedBatches(), loss: workload.loss)
    return ["seconds": seconds, "samples_per_second": Double(workload.data.count) / seconds]
}

/// The autoencoder with 2,000 random images as inputs and targets, batches of 32.
func autoencoderWorkload() -> Workload {
    let samples = 2_000
    var rng = RandomGenerator(seed: 0)
    var layers: [Module] = []
    for (input, output) in [(1, 16), (16, 32), (32, 64)] {
        layers.append(Conv2D(Conv2DConfig(inputChannels: input, outputChannels: output, kernelSize: 3, stride: 2, padding: 1,
                                          activation: .relu), rng: &rng))
    }
    for (input, output) in [(64, 32), (32, 16), (16, 1)] {
        layers.append(ConvTranspose2D(ConvTranspose2DConfig(inputChannels: input, outputChannels: output, kernelSize: 3, stride: 2, padding: 1,
                                                            outputPadding: 1, activation: output == 1 ? .sigmoid : .relu), rng: &rng))
    }
    let model = Sequential(layers)
    let images = Tensor.uniform([samples, 1, 64, 64], using: &rng)
    return Workload(model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 1e-3),
                    data: Dataset(inputs: images, targets: .values(images)), batchSize: 32, loss: .mse)
}
