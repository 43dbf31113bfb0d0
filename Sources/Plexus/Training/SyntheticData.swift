import Foundation

/// Small generated problems for demos and tests, like scikit-learn's `make_moons`.
public enum SyntheticData {
    /// Two interleaved half-circles with Gaussian noise: a two-class problem no linear model separates.
    /// Labels alternate 0, 1, 0, … so classes are balanced.
    public static func twoMoons(count: Int, noise: Float, seed: UInt64) -> Dataset {
        var rng = RandomGenerator(seed: seed)
        var points: [Float] = [], labels: [Int] = []
        for i in 0..<count {
            let label = i % 2
            let angle = Float.pi * rng.nextFloat()
            let (x, y) = label == 0 ? (Foundation.cos(angle), Foundation.sin(angle)) : (1 - Foundation.cos(angle), 0.5 - Foundation.sin(angle))
            points += [x + noise * rng.nextNormal(), y + noise * rng.nextNormal()]
            labels.append(label)
        }
        return Dataset(inputs: Tensor(shape: [count, 2], scalars: points), targets: .classes(labels))
    }
}
