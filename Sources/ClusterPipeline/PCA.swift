import Plexus

/// Principal components, from the eigen-decomposition of the covariance matrix (itself one GEMM on the engine,
/// Xcᵀ·Xc / n). Used for the 2-D picture of the segments and as the linear baseline of the autoencoder: the
/// reconstruction error PCA reaches with as many dimensions as the embedding has.
public struct PCA: Sendable {
    public let mean: [Double]
    /// Unit-length principal directions, one per row, by decreasing variance.
    public let components: Matrix
    /// Variance along each direction (the covariance's eigenvalues), decreasing.
    public let variances: [Double]

    public static func fit(_ data: Matrix) -> PCA {
        let mean = data.columnMeans
        let centered = data.subtractingFromRows(mean)
        var transposed = Matrix(rows: centered.columns, columns: centered.rows)
        for r in 0..<centered.rows { for c in 0..<centered.columns { transposed[c, r] = centered[r, c] } }
        let product = Autograd.withoutGradient { transposed.tensor.matmul(centered.tensor).scalars }
        let d = data.columns
        let covariance = (0..<d).map { i in (0..<d).map { j in Double(product[i * d + j]) / Double(max(data.rows, 1)) } }
        let (values, vectors) = symmetricEigen(covariance)
        let order = values.indices.sorted { values[$0] > values[$1] }
        var components = Matrix(rows: d, columns: d)
        for (row, index) in order.enumerated() {
            var direction = (0..<d).map { vectors[$0][index] }
            // A direction's sign is arbitrary; fix it so the largest entry is positive and plots do not flip.
            if let largest = direction.max(by: { abs($0) < abs($1) }), largest < 0 { direction = direction.map { -$0 } }
            for c in 0..<d { components[row, c] = direction[c] }
        }
        return PCA(mean: mean, components: components, variances: order.map { max(values[$0], 0) })
    }

    /// Coordinates of each row of `data` along the first `dimensions` components; 0 along those beyond the data's
    /// own (the second axis of the picture of a one-feature table).
    public func project(_ data: Matrix, dimensions: Int) -> Matrix {
        var result = Matrix(rows: data.rows, columns: dimensions)
        for r in 0..<data.rows {
            for k in 0..<min(dimensions, components.rows) {
                var sum = 0.0
                for c in 0..<data.columns { sum += (data[r, c] - mean[c]) * components[k, c] }
                result[r, k] = sum
            }
        }
        return result
    }

    /// Fraction of the total variance along each component.
    public var explainedRatios: [Double] {
        let total = variances.reduce(0, +)
        return variances.map { total > 0 ? $0 / total : 0 }
    }

    /// Mean squared error per value of reconstructing the data from its first `dimensions` components.
    public func reconstructionError(dimensions: Int) -> Double {
        variances.dropFirst(dimensions).reduce(0, +) / Double(max(variances.count, 1))
    }

    /// Eigenvalues and eigenvectors (as columns) of a symmetric matrix by cyclic Jacobi rotations: exact to
    /// rounding and plenty fast for the few dozen features a user table has.
    static func symmetricEigen(_ matrix: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
        var a = matrix
        let n = a.count
        var v = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        let scale = a.joined().reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in 0..<n where p != q { off += a[p][q] * a[p][q] } }
            if off <= 1e-24 * max(scale, 1e-300) { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) where a[p][q] != 0 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let (kp, kq) = (a[k][p], a[k][q])
                        a[k][p] = c * kp - s * kq
                        a[k][q] = s * kp + c * kq
                    }
                    for k in 0..<n {
                        let (pk, qk) = (a[p][k], a[q][k])
                        a[p][k] = c * pk - s * qk
                        a[q][k] = s * pk + c * qk
                    }
                    for k in 0..<n {
                        let (kp, kq) = (v[k][p], v[k][q])
                        v[k][p] = c * kp - s * kq
                        v[k][q] = s * kp + c * kq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0][$0] }, v)
    }
}
