/// What a model is trained to predict: real values (regression, binary targets) or class indices.
public enum Targets {
    case values(Tensor)
    case classes([Int])

    public var count: Int {
        switch self {
        case .values(let tensor): return tensor.shape.first ?? 0
        case .classes(let labels): return labels.count
        }
    }

    func subset(_ indices: [Int]) -> Targets {
        switch self {
        case .values(let tensor): return .values(tensor.indexSelect(axis: 0, indices: indices))
        case .classes(let labels): return .classes(indices.map { labels[$0] })
        }
    }
}

/// Samples along the first axis of `inputs`, each with its target. The inputs are in memory, or streamed from a
/// `SampleSource` batch by batch (`Trainer` reads them on a loader thread).
public struct Dataset {
    public let inputs: Samples
    public let targets: Targets

    public init(inputs: Tensor, targets: Targets) {
        self.init(samples: Samples(inputs), targets: targets)
    }

    public init(samples: Samples, targets: Targets) {
        precondition(samples.count == targets.count, "dataset: \(samples.count) inputs but \(targets.count) targets")
        self.inputs = samples
        self.targets = targets
    }

    public var count: Int { targets.count }

    public func subset(_ indices: [Int]) -> Dataset {
        Dataset(samples: inputs.subset(indices), targets: targets.subset(indices))
    }

    /// Splits off the last `fraction` of the samples (after a seeded shuffle when `seed` is given) for validation.
    public func split(validationFraction fraction: Double, seed: UInt64?) -> (train: Dataset, validation: Dataset) {
        var order = Array(0..<count)
        if let seed {
            var rng = RandomGenerator(seed: seed)
            order = rng.permutation(count)
        }
        let validationCount = Int((Double(count) * fraction).rounded())
        return (subset(Array(order.dropLast(validationCount))), subset(Array(order.suffix(validationCount))))
    }
}
