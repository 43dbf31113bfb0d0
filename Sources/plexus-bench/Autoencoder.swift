import Plexus

/// A convolutional autoencoder on 64×64×1 images: three stride-2 convolutions down (16, 32, 64 channels, kernel 3,
/// padding 1, ReLU), three stride-2 transposed convolutions back up (32, 16, 1 channels, output padding 1, ReLU
/// between, sigmoid last); Adam 1e-3, MSE against the input, batches of 32 over 2,000 random images.
func benchAutoencoder() -> Measurement {
    let samples = 2_000, batchSize = 32
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
    let batches = batches(of: samples, size: batchSize) { start, end in
        let x = images.slice(axis: 0, start: start, end: end)
        return (x, .values(x))
    }
    let optimizer = Adam(parameters: model.parameters(), learningRate: 1e-3)
    let seconds = trainEpochSeconds(model: model, optimizer: optimizer, batches: batches, loss: .mse)
    return ["seconds": seconds, "samples_per_second": Double(samples) / seconds]
}
