import Plexus

/// A small ResNet for 32×32×3 images (ResNet-20's layout, one block per stage): conv 3×3 (16) + BN + ReLU,
/// residual blocks of 16, 32 (stride 2) and 64 (stride 2) channels, global average pooling, Linear(64 → 10).
/// 1,024 random images an epoch in batches of 64, SGD with momentum, cross-entropy; then inference images/s in
/// evaluation mode (running statistics) without gradients.
func benchResNet() -> Measurement {
    let samples = 1024, batchSize = 64
    var rng = RandomGenerator(seed: 0)
    let model = Sequential([
        Conv2D(Conv2DConfig(inputChannels: 3, outputChannels: 16, kernelSize: 3, padding: 1, bias: false), rng: &rng),
        BatchNorm(features: 16), Activation(.relu),
        ResidualBlock(ResidualBlockConfig(inputChannels: 16, outputChannels: 16), rng: &rng),
        ResidualBlock(ResidualBlockConfig(inputChannels: 16, outputChannels: 32, stride: 2), rng: &rng),
        ResidualBlock(ResidualBlockConfig(inputChannels: 32, outputChannels: 64, stride: 2), rng: &rng),
        GlobalAvgPool2D(),
        Linear(inputSize: 64, outputSize: 10, rng: &rng),
    ])
    let images = Tensor.uniform([samples, 3, 32, 32], using: &rng)
    let labels = (0..<samples).map { _ in Int(rng.next() % 10) }
    let batches = batches(of: samples, size: batchSize) { start, end in
        (images.slice(axis: 0, start: start, end: end), .classes(Array(labels[start..<end])))
    }
    let optimizer = SGD(parameters: model.parameters(), learningRate: 0.05, momentum: 0.9)
    let seconds = trainEpochSeconds(model: model, optimizer: optimizer, batches: batches, loss: .crossEntropy(labelSmoothing: 0, classWeights: nil))

    return ["seconds": seconds, "samples_per_second": Double(samples) / seconds,
            "inference_images_per_second": inferenceImagesPerSecond(model, batches[0].0, steps: 20)]
}
