extension Tensor {
    public static func full(_ shape: [Int], _ value: Float, device: Device = .cpu) -> Tensor {
        let count = shape.reduce(1, *)
        let storage = device.backend.allocate(count)
        device.backend.fill(storage, count: count, value: value)
        return Tensor(shape: shape, storage: storage)
    }

    public static func zeros(_ shape: [Int], device: Device = .cpu) -> Tensor { full(shape, 0, device: device) }
    public static func ones(_ shape: [Int], device: Device = .cpu) -> Tensor { full(shape, 1, device: device) }

    /// `start, start + step, …` up to but excluding `end`, as a rank-1 tensor.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: step must not be zero")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [count], scalars: (0..<count).map { start + Float($0) * step })
    }

    /// `0, 1, …` up to but excluding `end`.
    public static func arange(_ end: Float) -> Tensor { arange(0, end) }

    /// Normally distributed values from a seeded generator.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { _ in mean + std * rng.nextNormal() })
    }

    /// Uniformly distributed values in [low, high) from a seeded generator.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { _ in low + (high - low) * rng.nextFloat() })
    }
}
