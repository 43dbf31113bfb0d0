extension Tensor {
    /// Matrix product with batch broadcasting, like `torch.matmul` for rank >= 2: (…, m, k) · (…, k, n) → (…, m, n).
    /// With `transposingOther`, multiplies by `otherᵀ` (other is (…, n, k)) without copying it.
    public func matmul(_ other: Tensor, transposingOther: Bool = false) -> Tensor {
        let out = Tensor.product(self, other, transposeB: transposingOther)
        return .result(out.shape, out.storage, .matmul(self, other, transposeB: transposingOther), inputs: [self, other])
    }

    /// The product without recording, with optional transposes of the last two axes (used by gradient rules).
    static func product(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs rank >= 2, got \(a.shape) and \(b.shape)")
        let (m, ka) = transposeA ? (a.shape[a.rank - 1], a.shape[a.rank - 2]) : (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (kb, n) = transposeB ? (b.shape[b.rank - 1], b.shape[b.rank - 2]) : (b.shape[b.rank - 2], b.shape[b.rank - 1])
        precondition(ka == kb, "matmul: inner dimensions differ in \(a.shape) and \(b.shape)")
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        let batchShape = broadcastShapes(aBatch, bBatch)
        let batch = batchShape.reduce(1, *)
        let backend = a.backend

        // A plain matrix on the right: fold a's batch into its rows and run one large product.
        if bBatch.isEmpty && !transposeA {
            let out = backend.matmul(a.storage, b.storage, batch: 1, m: a.count / ka, n: n, k: ka,
                                     transposeA: false, transposeB: transposeB, aBatchStride: 0, bBatchStride: 0)
            return Tensor(shape: batchShape + [m, n], storage: out)
        }
        // Otherwise one product per batch entry; a broadcast operand is reused (stride 0) or materialised.
        let left = aBatch.isEmpty || aBatch == batchShape ? a : a.detached().expand(to: batchShape + Array(a.shape.suffix(2)))
        let right = bBatch.isEmpty || bBatch == batchShape ? b : b.detached().expand(to: batchShape + Array(b.shape.suffix(2)))
        let out = backend.matmul(left.storage, right.storage, batch: batch, m: m, n: n, k: ka,
                                 transposeA: transposeA, transposeB: transposeB,
                                 aBatchStride: aBatch.isEmpty ? 0 : m * ka, bBatchStride: bBatch.isEmpty ? 0 : ka * n)
        return Tensor(shape: batchShape + [m, n], storage: out)
    }
}
