import Plexus

/// Internal validity scores with scikit-learn's definitions (`sklearn.metrics`), and the adjusted Rand index
/// that compares two labelings of the same users.
public enum ClusterScores {
    /// The mean silhouette coefficient of each labeling, computed exactly over all pairs of points (not on a sample).
    ///
    /// The O(n²) distances are produced block by block with the engine's GEMM, and one more GEMM against a one-hot
    /// matrix of every labeling at once sums each point's distances per cluster, so scoring k = 2…10 costs one
    /// pass over the pairs instead of nine. As in scikit-learn, a point alone in its cluster scores 0.
    public static func silhouettes(_ data: Matrix, labelings: [[Int]]) -> [Double] {
        let n = data.rows
        guard n > 1, !labelings.isEmpty else { return labelings.map { _ in 0 } }
        let counts = labelings.map { labels in
            labels.reduce(into: [Int](repeating: 0, count: (labels.max() ?? 0) + 1)) { $0[$1] += 1 }
        }
        let offsets = counts.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let width = offsets.last!
        var oneHot = [Float](repeating: 0, count: n * width)
        for (l, labels) in labelings.enumerated() {
            precondition(labels.count == n, "silhouette: \(labels.count) labels for \(n) points")
            for i in 0..<n { oneHot[i * width + offsets[l] + labels[i]] = 1 }
        }
        let membership = Tensor(shape: [n, width], scalars: oneHot)
        let distances = SquaredDistances(data)
        var totals = [Double](repeating: 0, count: labelings.count)
        let blockRows = max(1, min(n, 4_000_000 / n))
        for start in stride(from: 0, to: n, by: blockRows) {
            let rows = start..<min(start + blockRows, n)
            var block = distances.block(rows, root: true)
            for (i, point) in rows.enumerated() { block[i * n + point] = 0 }  // rounding leaves a point a hair from itself
            let sums = Autograd.withoutGradient {
                Tensor(shape: [rows.count, n], scalars: block).matmul(membership).scalars
            }
            for (i, point) in rows.enumerated() {
                for (l, labels) in labelings.enumerated() {
                    let own = labels[point], sizes = counts[l]
                    guard sizes[own] > 1 else { continue }
                    let row = sums[(i * width + offsets[l])...]
                    let a = Double(row[row.startIndex + own]) / Double(sizes[own] - 1)
                    var b = Double.infinity
                    for cluster in 0..<sizes.count where cluster != own && sizes[cluster] > 0 {
                        b = min(b, Double(row[row.startIndex + cluster]) / Double(sizes[cluster]))
                    }
                    if b.isFinite && max(a, b) > 0 { totals[l] += (b - a) / max(a, b) }
                }
            }
        }
        return totals.map { $0 / Double(n) }
    }

    /// Davies-Bouldin index (lower is better): the mean over clusters of the worst ratio of within-cluster scatter
    /// to between-centroid distance.
    public static func daviesBouldin(_ data: Matrix, labels: [Int]) -> Double {
        let (centroids, sizes) = clusterMeans(data, labels: labels)
        let k = centroids.rows
        var scatter = [Double](repeating: 0, count: k)
        for i in 0..<data.rows { scatter[labels[i]] += squaredDistance(data.row(i), centroids.row(labels[i])).squareRoot() }
        for c in 0..<k where sizes[c] > 0 { scatter[c] /= Double(sizes[c]) }
        var separations = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for a in 0..<k { for b in 0..<k { separations[a][b] = squaredDistance(centroids.row(a), centroids.row(b)).squareRoot() } }
        let tiny = 1e-8
        if scatter.allSatisfy({ abs($0) < tiny }) || separations.joined().allSatisfy({ abs($0) < tiny }) { return 0 }
        var total = 0.0
        for a in 0..<k {
            var worst = 0.0
            for b in 0..<k where b != a && separations[a][b] > 0 {
                worst = max(worst, (scatter[a] + scatter[b]) / separations[a][b])
            }
            total += worst
        }
        return total / Double(k)
    }

    /// Calinski-Harabasz index (higher is better): between-cluster over within-cluster dispersion, scaled by their
    /// degrees of freedom.
    public static func calinskiHarabasz(_ data: Matrix, labels: [Int]) -> Double {
        let (centroids, sizes) = clusterMeans(data, labels: labels)
        let k = centroids.rows, n = data.rows
        let mean = data.columnMeans[...]
        var between = 0.0, within = 0.0
        for c in 0..<k { between += Double(sizes[c]) * squaredDistance(centroids.row(c), mean) }
        for i in 0..<n { within += squaredDistance(data.row(i), centroids.row(labels[i])) }
        return within == 0 ? 1 : between * Double(n - k) / (within * Double(k - 1))
    }

    /// Adjusted Rand index between two labelings: 1 for the same partition (whatever the label numbers), about 0
    /// for unrelated ones.
    public static func adjustedRandIndex(_ a: [Int], _ b: [Int]) -> Double {
        precondition(a.count == b.count, "adjusted Rand index: labelings of \(a.count) and \(b.count) points")
        func pairs(_ count: Int) -> Double { Double(count) * Double(count - 1) / 2 }
        var table: [Int: [Int: Int]] = [:]
        var rows: [Int: Int] = [:], columns: [Int: Int] = [:]
        for (x, y) in zip(a, b) {
            table[x, default: [:]][y, default: 0] += 1
            rows[x, default: 0] += 1
            columns[y, default: 0] += 1
        }
        let index = table.values.flatMap(\.values).reduce(0) { $0 + pairs($1) }
        let rowPairs = rows.values.reduce(0) { $0 + pairs($1) }, columnPairs = columns.values.reduce(0) { $0 + pairs($1) }
        let expected = rowPairs * columnPairs / pairs(a.count)
        let maximum = (rowPairs + columnPairs) / 2
        return maximum == expected ? 1 : (index - expected) / (maximum - expected)
    }

    /// Per-cluster means of the points with each label, and the cluster sizes.
    static func clusterMeans(_ data: Matrix, labels: [Int]) -> (Matrix, [Int]) {
        let k = (labels.max() ?? 0) + 1, d = data.columns
        var sums = Matrix(rows: k, columns: d)
        var sizes = [Int](repeating: 0, count: k)
        for i in 0..<data.rows {
            sizes[labels[i]] += 1
            for c in 0..<d { sums.values[labels[i] * d + c] += data.values[i * d + c] }
        }
        for c in 0..<k where sizes[c] > 0 { for j in 0..<d { sums.values[c * d + j] /= Double(sizes[c]) } }
        return (sums, sizes)
    }
}
