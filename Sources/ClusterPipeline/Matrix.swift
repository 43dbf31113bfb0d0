import Plexus

/// A dense row-major matrix of doubles: per-user features, embeddings, centroids. Statistics are kept in double
/// precision; only the products that dominate the cost (distances, covariances) go through the engine's float GEMM.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "matrix \(rows)×\(columns) needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, values: [Double](repeating: 0, count: rows * columns))
    }

    /// A matrix from equally long rows.
    public init(_ rowValues: [[Double]]) {
        let columns = rowValues.first?.count ?? 0
        precondition(rowValues.allSatisfy { $0.count == columns }, "rows of different lengths")
        self.init(rows: rowValues.count, columns: columns, values: rowValues.flatMap { $0 })
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public func row(_ index: Int) -> ArraySlice<Double> {
        values[index * columns..<(index + 1) * columns]
    }

    public func column(_ index: Int) -> [Double] {
        (0..<rows).map { values[$0 * columns + index] }
    }

    public func selecting(rows indices: [Int]) -> Matrix {
        var selected: [Double] = []
        selected.reserveCapacity(indices.count * columns)
        for index in indices { selected += row(index) }
        return Matrix(rows: indices.count, columns: columns, values: selected)
    }

    /// Column means.
    public var columnMeans: [Double] {
        var sums = [Double](repeating: 0, count: columns)
        for r in 0..<rows { for c in 0..<columns { sums[c] += values[r * columns + c] } }
        return sums.map { $0 / Double(max(rows, 1)) }
    }

    /// Column variances with divisor n (numpy's default, which scikit-learn's tolerance uses).
    public var columnVariances: [Double] {
        let means = columnMeans
        var sums = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let d = values[r * columns + c] - means[c]
                sums[c] += d * d
            }
        }
        return sums.map { $0 / Double(max(rows, 1)) }
    }

    /// The matrix with `offsets` subtracted from every row.
    public func subtractingFromRows(_ offsets: [Double]) -> Matrix {
        var result = self
        for r in 0..<rows { for c in 0..<columns { result.values[r * columns + c] -= offsets[c] } }
        return result
    }

    /// The values as a float32 tensor of shape (rows, columns), for the engine.
    public var tensor: Tensor {
        Tensor(shape: [rows, columns], scalars: values.map { Float($0) })
    }

    public init(_ tensor: Tensor) {
        precondition(tensor.rank == 2, "expected a matrix, got shape \(tensor.shape)")
        self.init(rows: tensor.shape[0], columns: tensor.shape[1], values: tensor.scalars.map(Double.init))
    }
}

/// Squared Euclidean distances from a fixed set of points, as ‖x‖² − 2x·c + ‖c‖² with the cross term from the
/// engine's matrix product: the expansion scikit-learn uses, and what makes k-means and the silhouette fast.
/// Rounding can leave tiny negative values where points coincide; they are clamped to 0.
struct SquaredDistances {
    let points: Tensor
    let norms: [Float]
    let count: Int

    init(_ points: Matrix) {
        self.points = points.tensor
        count = points.rows
        norms = (0..<points.rows).map { row in Float(points.row(row).reduce(0) { $0 + $1 * $1 }) }
    }

    /// Row-major (points × others.rows) squared distances to the rows of `others`.
    func to(_ others: Matrix) -> [Float] {
        let otherNorms = (0..<others.rows).map { row in Float(others.row(row).reduce(0) { $0 + $1 * $1 }) }
        let dots = Autograd.withoutGradient { points.matmul(others.tensor, transposingOther: true).scalars }
        return combine(dots, rowNorms: norms[...], columnNorms: otherNorms)
    }

    /// Row-major (rows.count × points) distances from the points in `rows` to every point: squared, or with
    /// `root` the Euclidean distances themselves (taken in the same pass over the block).
    func block(_ rows: Range<Int>, root: Bool = false) -> [Float] {
        let dots = Autograd.withoutGradient {
            points.slice(axis: 0, start: rows.lowerBound, end: rows.upperBound).matmul(points, transposingOther: true).scalars
        }
        return combine(dots, rowNorms: norms[rows], columnNorms: norms, root: root)
    }

    /// `dots` is consumed: the distances are written over the products, without a second array of their size.
    private func combine(_ dots: consuming [Float], rowNorms: ArraySlice<Float>, columnNorms: [Float], root: Bool = false) -> [Float] {
        var result = dots
        let width = columnNorms.count
        result.withUnsafeMutableBufferPointer { out in
            columnNorms.withUnsafeBufferPointer { column in
                for (i, rowNorm) in rowNorms.enumerated() {
                    let row = UnsafeMutableBufferPointer(rebasing: out[(i * width)..<((i + 1) * width)])
                    if root {
                        for j in 0..<width { row[j] = Swift.max(0, rowNorm + column[j] - 2 * row[j]).squareRoot() }
                    } else {
                        for j in 0..<width { row[j] = Swift.max(0, rowNorm + column[j] - 2 * row[j]) }
                    }
                }
            }
        }
        return result
    }
}
