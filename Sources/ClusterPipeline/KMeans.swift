import Foundation
import Plexus

/// k-means as scikit-learn's `KMeans(init="k-means++", algorithm="lloyd")` computes it:
///
/// - greedy k-means++ seeding: each new centre is the best (lowest resulting inertia) of `2 + ⌊ln k⌋` candidates
///   drawn with probability proportional to the squared distance to the nearest centre chosen so far;
/// - Lloyd iterations until the labels stop changing, or the squared centre shift falls to `tolerance` times the
///   mean feature variance, or `maxIterations`; an emptied cluster takes the point farthest from its centre;
/// - `initializations` restarts (scikit-learn's `n_init`), keeping the one with the lowest inertia.
///
/// The data are centred first, as scikit-learn does, so that the float32 GEMM in the distance expansion loses
/// little precision. Inertias agree with scikit-learn's within a fraction of a percent (the random draws differ,
/// so individual restarts do not): see `tools/make_kmeans_fixtures.py` and the tests that read its fixtures.
public struct KMeans: Sendable {
    public var clusters: Int
    public var initializations: Int
    public var maxIterations: Int
    public var tolerance: Double
    public var seed: UInt64

    /// scikit-learn's defaults, except `n_init` 10 rather than its 'auto' (1 restart for k-means++), which
    /// costs 2-4% inertia (scikit-learn discussion #25016).
    public init(clusters: Int, initializations: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4, seed: UInt64 = 0) {
        precondition(clusters >= 1 && initializations >= 1 && maxIterations >= 1, "k-means needs k, n_init and max_iter of at least 1")
        self.clusters = clusters
        self.initializations = initializations
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.seed = seed
    }

    public struct Result: Sendable {
        /// One row per cluster.
        public let centroids: Matrix
        public let labels: [Int]
        /// Sum of squared distances from each point to its centroid.
        public let inertia: Double
        /// Lloyd iterations of the best restart.
        public let iterations: Int
    }

    public func fit(_ data: Matrix) -> Result {
        precondition(clusters <= data.rows, "k-means: \(clusters) clusters need at least as many points, got \(data.rows)")
        let means = data.columnMeans
        let centered = data.subtractingFromRows(means)
        let variances = data.columnVariances
        let threshold = tolerance * variances.reduce(0, +) / Double(max(variances.count, 1))
        let distances = SquaredDistances(centered)
        var rng = RandomGenerator(seed: seed)
        var best: Result?
        for _ in 0..<initializations {
            let start = seeds(centered, distances, &rng)
            let run = lloyd(centered, distances, start: start, threshold: threshold)
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        let result = best!
        return Result(centroids: result.centroids.subtractingFromRows(means.map { -$0 }), labels: result.labels,
                      inertia: result.inertia, iterations: result.iterations)
    }

    /// Greedy k-means++ (scikit-learn's `_kmeans_plusplus`).
    private func seeds(_ data: Matrix, _ distances: SquaredDistances, _ rng: inout RandomGenerator) -> Matrix {
        let n = data.rows
        let trials = 2 + Int(Foundation.log(Double(clusters)))
        var chosen = [Int.random(in: 0..<n, using: &rng)]
        var closest = distances.to(data.selecting(rows: chosen)).map(Double.init)
        var potential = closest.reduce(0, +)
        var cumulative = [Double](repeating: 0, count: n)
        while chosen.count < clusters {
            var running = 0.0
            for i in 0..<n {
                running += closest[i]
                cumulative[i] = running
            }
            let candidates = (0..<trials).map { _ -> Int in
                // numpy's searchsorted (side "left"): the first index whose cumulative sum reaches the draw.
                let target = Double.random(in: 0..<1, using: &rng) * potential
                var low = 0, high = n
                while low < high {
                    let middle = (low + high) / 2
                    if cumulative[middle] < target { low = middle + 1 } else { high = middle }
                }
                return min(low, n - 1)
            }
            let toCandidates = distances.to(data.selecting(rows: candidates))
            var bestTrial = 0, bestPotential = Double.infinity
            for trial in 0..<trials {
                var sum = 0.0
                for i in 0..<n { sum += min(closest[i], Double(toCandidates[i * trials + trial])) }
                if sum < bestPotential { (bestTrial, bestPotential) = (trial, sum) }
            }
            for i in 0..<n { closest[i] = min(closest[i], Double(toCandidates[i * trials + bestTrial])) }
            potential = bestPotential
            chosen.append(candidates[bestTrial])
        }
        return data.selecting(rows: chosen)
    }

    /// Lloyd iterations from `start` (scikit-learn's `_kmeans_single_lloyd`).
    private func lloyd(_ data: Matrix, _ distances: SquaredDistances, start: Matrix, threshold: Double) -> Result {
        var centroids = start
        var labels = [Int](repeating: -1, count: data.rows)
        var previous = labels
        var converged = false
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            labels = nearestCentroids(distances, centroids)
            let updated = updatedCentroids(data, labels: labels, previous: centroids)
            let shift = zip(updated.values, centroids.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            centroids = updated
            if labels == previous {
                converged = true
                break
            }
            if shift <= threshold { break }
            previous = labels
        }
        // Stopped on the tolerance: the labels belong to the centroids before the last update, so assign again.
        if !converged { labels = nearestCentroids(distances, centroids) }
        let inertia = (0..<data.rows).reduce(0.0) { $0 + squaredDistance(data.row($1), centroids.row(labels[$1])) }
        return Result(centroids: centroids, labels: labels, inertia: inertia, iterations: iterations)
    }

    /// Cluster means; a cluster left empty takes the points farthest from their current centroids, as in
    /// scikit-learn's `_relocate_empty_clusters_dense` (the labels themselves change on the next assignment).
    private func updatedCentroids(_ data: Matrix, labels: [Int], previous: Matrix) -> Matrix {
        let d = data.columns
        var sums = Matrix(rows: clusters, columns: d)
        var counts = [Int](repeating: 0, count: clusters)
        // The hot loop of every iteration (60,000 x 784 additions on Fashion-MNIST): raw pointers, no bounds checks.
        // One thread: split between the cores it measured slower, as oneDNN's OpenMP threads still spin after the
        // distance GEMM.
        sums.values.withUnsafeMutableBufferPointer { sums in
            data.values.withUnsafeBufferPointer { values in
                for i in 0..<data.rows {
                    let label = labels[i]
                    counts[label] += 1
                    let row = values.baseAddress! + i * d, sum = sums.baseAddress! + label * d
                    for c in 0..<d { sum[c] += row[c] }
                }
            }
        }
        let empty = (0..<clusters).filter { counts[$0] == 0 }
        if !empty.isEmpty {
            let far = (0..<data.rows)
                .map { ($0, squaredDistance(data.row($0), previous.row(labels[$0]))) }
                .sorted { $0.1 > $1.1 }
                .prefix(empty.count)
            for (cluster, (point, _)) in zip(empty, far) {
                let from = labels[point]
                for c in 0..<d {
                    sums.values[from * d + c] -= data[point, c]
                    sums.values[cluster * d + c] = data[point, c]
                }
                counts[from] -= 1
                counts[cluster] = 1
            }
        }
        for cluster in 0..<clusters where counts[cluster] > 0 {
            for c in 0..<d { sums.values[cluster * d + c] /= Double(counts[cluster]) }
        }
        return sums
    }

    private func nearestCentroids(_ distances: SquaredDistances, _ centroids: Matrix) -> [Int] {
        nearest(distances.to(centroids), width: centroids.rows)
    }
}

/// The index of the smallest value in each row of a row-major matrix (the first one on ties, like numpy's argmin).
func nearest(_ squared: [Float], width: Int) -> [Int] {
    let rows = width == 0 ? 0 : squared.count / width
    return (0..<rows).map { row in
        var best = 0
        var smallest = squared[row * width]
        for j in 1..<width where squared[row * width + j] < smallest {
            smallest = squared[row * width + j]
            best = j
        }
        return best
    }
}

func squaredDistance(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
    zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
}

/// Each point's nearest centroid and its Euclidean distance to it (exact, in double precision).
public func assignToCentroids(_ data: Matrix, centroids: Matrix) -> (labels: [Int], distances: [Double]) {
    let labels = nearest(SquaredDistances(data).to(centroids), width: centroids.rows)
    let distances = (0..<data.rows).map { squaredDistance(data.row($0), centroids.row(labels[$0])).squareRoot() }
    return (labels, distances)
}
