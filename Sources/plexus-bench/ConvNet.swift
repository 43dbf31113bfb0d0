import Plexus

/// Keras's mnist_convnet on 28×28×1 images: conv 3×3 (32) + ReLU, max pool 2, conv 3×3 (64) + ReLU, max pool 2,
/// flatten, dropout 0.5, Linear(1600 → 10); Adam 1e-3, cross-entropy, batches of 128 over 60,000 random images
/// (made before timing). Then inference images/s in evaluation mode without gradients. As in Keras
/// (`Conv2D(32, kernel_size=(3, 3), activation="relu")`) the ReLU is the convolution's own, fused into its kernel.
func benchConvNet() -> Measurement {
    let workload = convNetWorkload(samples: 60_000)
    let batches = workload.orderedBatches()
    let seconds = trainEpochSeconds(model: workload.model, optimizer: workload.optimizer, batches: batches, loss: workload.loss, passes: 2)
    return ["seconds": seconds, "samples_per_second": Double(workload.data.count) / seconds,
            "inference_images_per_second": inferenceImagesPerSecond(workload.model, batches[0].0, steps: 50)]
}

/// Training FLOPs per image (2 per multiply-add): the forward pass, the weight gradients, and the input gradients of
/// every layer but the first, whose input needs none. About 0.855 TFLOP per epoch of 60,000 images.
let convNetTrainingFLOPs: Double = {
    let conv1 = 26.0 * 26 * 32 * 9, conv2 = 11.0 * 11 * 64 * 9 * 32, dense = 1600.0 * 10  // multiply-adds per image
    let forward = conv1 + conv2 + dense
    return 2 * (forward + forward + (forward - conv1))
}()

/// The convnet with `samples` random images and labels, batches of 128.
func convNetWorkload(samples: Int) -> Workload {
    var rng = RandomGenerator(seed: 0)
    let model = Sequential([
        Conv2D(Conv2DConfig(inputChannels: 1, outputChannels: 32, kernelSize: 3, activation: .relu), rng: &rng),
        MaxPool2D(Pool2DConfig(kernelSize: 2)),
        Conv2D(Conv2DConfig(inputChannels: 32, outputChannels: 64, kernelSize: 3, activation: .relu), rng: &rng),
        MaxPool2D(Pool2DConfig(kernelSize: 2)),
        Flatten(), Dropout(rate: 0.5, seed: 1), Linear(inputSize: 1600, outputSize: 10, rng: &rng),
    ])
    let images = Tensor.uniform([samples, 1, 28, 28], using: &rng)
    let labels = (0..<samples).map { _ in Int(rng.next() % 10) }
    return Workload(model: model, optimizer: Adam(parameters: model.parameters(), learningRate: 1e-3),
                    data: Dataset(inputs: images, targets: .classes(labels)), batchSize: 128, loss: .crossEntropy(labelSmoothing: 0, classWeights: nil))
}
