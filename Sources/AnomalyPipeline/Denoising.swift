import Plexus

/// How training inputs are corrupted, so that the autoencoder learns to *remove* lesion-like changes instead of
/// copying them: a denoising autoencoder (Kascenas et al., "Denoising autoencoders for unsupervised anomaly
/// detection in brain MRI", MIDL 2022). A plain autoencoder is only kept from copying a lesion by its narrow code,
/// which also blurs all normal detail; trained to undo coarse noise, it can keep the detail and still repaint a
/// lesion as normal tissue, which is what makes the lesion stand out in the error map.
public struct Corruption: Codable, Equatable, Sendable {
    /// Standard deviation of the noise added to the intensities (0: a plain autoencoder).
    public var standardDeviation = 0.2
    /// The noise is drawn on a grid of this many cells per side and resized smoothly to the image: blobs of about
    /// image size / grid pixels, the size of a lesion, not pixel noise.
    public var grid = 16

    public init(standardDeviation: Double = 0.2, grid: Int = 16) {
        self.standardDeviation = standardDeviation
        self.grid = grid
    }

    enum CodingKeys: String, CodingKey { case standardDeviation = "noise_std", grid = "noise_grid" }
}

/// Wraps the autoencoder while it trains: in training mode each input scan gets fresh coarse noise inside the
/// scan (where it is brighter than `level`); in evaluation mode it is the identity, so validation loss, thresholds
/// and scores see the scans as they are. The wrapped model's layers are its children, so parameter names, checkpoints
/// and saved weights are the model's own. Its generator is `Stochastic`, so a run resumed from a `TrainingState`
/// draws the noise the uninterrupted run would have.
final class Denoising: Module, Stochastic {
    let model: Module
    let corruption: Corruption
    let level: Float
    var randomGenerator: RandomGenerator

    init(_ model: Module, corruption: Corruption, level: Float, seed: UInt64) {
        self.model = model
        self.corruption = corruption
        self.level = level
        randomGenerator = RandomGenerator(seed: seed)
        super.init()
    }

    override var children: [(name: String, module: Module)] { model.children }

    override func forward(_ x: Tensor) -> Tensor {
        model(isTraining && corruption.standardDeviation > 0 ? corrupt(x) : x)
    }

    /// Adds smooth noise to each [1, H, W] image of a batch, inside the scan only.
    func corrupt(_ x: Tensor) -> Tensor {
        let (count, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        var values = x.scalars
        let cells = corruption.grid
        for n in 0..<count {
            let coarse = Plane(width: cells, height: cells, values: (0..<cells * cells).map { _ in randomGenerator.nextNormal() * Float(corruption.standardDeviation) })
            let noise = coarse.resized(width: width, height: height)
            let start = n * height * width
            for index in 0..<height * width where values[start + index] > level {
                values[start + index] += noise.values[index]
            }
        }
        return Tensor(shape: x.shape, scalars: values)
    }
}
