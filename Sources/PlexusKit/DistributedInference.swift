import Plexus
import PlexusDistributed

extension Module {
    /// `predict` spread over the processes of an `mpirun` job: each computes its contiguous share of the batches of
    /// `inputs` (the batches one process computes, so the values are the same to the bit), rank 0 gathers them in
    /// order and sends the whole result back, so every process continues with the rows one process would have
    /// computed (and rank 0 records them). A collective: every process calls it with the same inputs. Without
    /// `mpirun`, simply `predict`.
    public func predictAcrossProcesses(_ inputs: Tensor, batchSize: Int) throws -> Tensor {
        try predictAcrossProcesses(Samples(inputs), batchSize: batchSize)
    }

    /// `predictAcrossProcesses` for inputs that may be streamed from a `SampleSource`.
    public func predictAcrossProcesses(_ inputs: Samples, batchSize: Int) throws -> Tensor {
        let world = DistributedJob.world
        guard world.isDistributed else { return try predict(inputs, batchSize: batchSize) }
        let count = inputs.count
        let batches = DataShard(index: world.rank, count: world.size).part(of: 0..<(count + batchSize - 1) / batchSize)
        let rows = Array(batches.lowerBound * batchSize..<min(batches.upperBound * batchSize, count))
        let own = rows.isEmpty ? nil : try predict(inputs.subset(rows), batchSize: batchSize)
        var whole: [UInt8] = []
        if let parts = try world.gather(own.map(TensorBytes.encode) ?? []) {
            let tensors = try parts.filter { !$0.isEmpty }.map(TensorBytes.decode)
            let tail = Array(tensors.first?.shape.dropFirst() ?? [])
            whole = TensorBytes.encode(shape: [count] + tail, scalars: tensors.flatMap(\.scalars))
        }
        try world.broadcast(&whole)
        return try TensorBytes.decode(whole)
    }
}

/// A tensor as bytes for a collective: the rank, each dimension and the values, as 32-bit words.
enum TensorBytes {
    static func encode(_ tensor: Tensor) -> [UInt8] {
        encode(shape: tensor.shape, scalars: tensor.scalars)
    }

    static func encode(shape: [Int], scalars: [Float]) -> [UInt8] {
        let words = ([UInt32(shape.count)] + shape.map { UInt32($0) }) + scalars.map(\.bitPattern)
        return words.withUnsafeBytes { Array($0) }
    }

    static func decode(_ bytes: [UInt8]) throws -> Tensor {
        let words = stride(from: 0, to: bytes.count - 3, by: 4).map { offset in
            bytes[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        guard let rank = words.first.map(Int.init), words.count >= 1 + rank else {
            throw CommunicatorError(description: "a tensor received from another rank is truncated (\(bytes.count) bytes)")
        }
        let shape = words[1..<(1 + rank)].map(Int.init)
        let scalars = words[(1 + rank)...].map(Float.init(bitPattern:))
        guard shape.reduce(1, *) == scalars.count else {
            throw CommunicatorError(description: "a tensor received from another rank has \(scalars.count) values for shape \(shape)")
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
