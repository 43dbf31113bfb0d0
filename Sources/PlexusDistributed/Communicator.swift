import CMPI
import Foundation

/// The processes of one job started by `mpirun` (MPI's `MPI_COMM_WORLD`), and the collectives data-parallel training
/// needs: barrier, broadcast, all-reduce of Float and Double buffers, gather of variable-length bytes.
///
/// A process started without `mpirun` (no `OMPI_COMM_WORLD_SIZE` in its environment) is rank 0 of 1: it never calls
/// `MPI_Init`, and every collective returns at once with its input, so single-process commands pay nothing.
///
/// ```swift
/// let world = Communicator.world
/// var gradients: [Float] = …
/// try world.allReduceSum(&gradients)       // every rank now holds the sum over ranks
/// try world.broadcast(&weights, root: 0)   // every rank now holds rank 0's weights
/// ```
///
/// MPI errors are returned (`MPI_ERRORS_RETURN`), not fatal, so a collective whose peer died throws a
/// `CommunicatorError` and the caller can mark its run failed before the job ends.
public final class Communicator: @unchecked Sendable {
    /// This process's index among the job's processes, 0 for the one that writes.
    public let rank: Int
    /// How many processes the job has.
    public let size: Int
    /// This process's index among the job's processes on the same host.
    public let localRank: Int
    private let usesMPI: Bool

    /// The job this process belongs to, initialised on first use.
    public static let world = Communicator(environment: ProcessInfo.processInfo.environment)

    /// Whether several processes train together.
    public var isDistributed: Bool { size > 1 }

    private init(environment: [String: String]) {
        guard let text = environment["OMPI_COMM_WORLD_SIZE"], let size = Int(text), size > 1 else {
            (rank, self.size, localRank, usesMPI) = (0, 1, 0, false)
            return
        }
        var provided: Int32 = 0
        // Only the main thread calls MPI (FUNNELED); the heartbeat and signal threads never do.
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        MPI_Comm_set_errhandler(plexus_mpi_comm_world(), plexus_mpi_errors_return())
        var worldRank: Int32 = 0, worldSize: Int32 = 0
        MPI_Comm_rank(plexus_mpi_comm_world(), &worldRank)
        MPI_Comm_size(plexus_mpi_comm_world(), &worldSize)
        rank = Int(worldRank)
        self.size = Int(worldSize)
        localRank = environment["OMPI_COMM_WORLD_LOCAL_RANK"].flatMap { Int($0) } ?? 0
        usesMPI = true
    }

    /// Waits until every process has reached this call.
    public func barrier() throws {
        guard usesMPI else { return }
        try check("barrier", MPI_Barrier(plexus_mpi_comm_world()))
    }

    /// Replaces `values` on every rank with `root`'s; every rank must pass the same count.
    public func broadcast(_ values: inout [Float], root: Int = 0) throws {
        try broadcast(&values, datatype: plexus_mpi_float(), root: root)
    }

    /// Replaces `values` on every rank with `root`'s; every rank must pass the same count.
    public func broadcast(_ values: inout [Double], root: Int = 0) throws {
        try broadcast(&values, datatype: plexus_mpi_double(), root: root)
    }

    private func broadcast<Element>(_ values: inout [Element], datatype: MPI_Datatype, root: Int) throws {
        guard usesMPI, !values.isEmpty else { return }
        let count = Int32(values.count)
        try values.withUnsafeMutableBytes { buffer in
            try check("broadcast", MPI_Bcast(buffer.baseAddress, count, datatype, Int32(root), plexus_mpi_comm_world()))
        }
    }

    /// Replaces `bytes` on every rank with `root`'s, whatever their length on the other ranks.
    public func broadcast(_ bytes: inout [UInt8], root: Int = 0) throws {
        guard usesMPI else { return }
        var count = [Int32(bytes.count)]
        try broadcast(&count, datatype: plexus_mpi_int(), root: root)
        if rank != root { bytes = [UInt8](repeating: 0, count: Int(count[0])) }
        try broadcast(&bytes, datatype: plexus_mpi_byte(), root: root)
    }

    /// Replaces `values` on every rank with their element-wise sum over all ranks, in one call.
    public func allReduceSum(_ values: inout [Float]) throws {
        try allReduceSum(&values, datatype: plexus_mpi_float())
    }

    /// Replaces `values` on every rank with their element-wise sum over all ranks, in one call.
    public func allReduceSum(_ values: inout [Double]) throws {
        try allReduceSum(&values, datatype: plexus_mpi_double())
    }

    private func allReduceSum<Element>(_ values: inout [Element], datatype: MPI_Datatype) throws {
        guard usesMPI, !values.isEmpty else { return }
        let count = Int32(values.count)
        try values.withUnsafeMutableBytes { buffer in
            try check("all-reduce", MPI_Allreduce(plexus_mpi_in_place(), buffer.baseAddress, count, datatype, plexus_mpi_sum(),
                                                  plexus_mpi_comm_world()))
        }
    }

    /// Every rank's `bytes`, in rank order, on `root`; nil on the other ranks.
    public func gather(_ bytes: [UInt8], root: Int = 0) throws -> [[UInt8]]? {
        guard usesMPI else { return [bytes] }
        var counts = [Int32](repeating: 0, count: size)
        try counts.withUnsafeMutableBufferPointer { buffer in
            var own = Int32(bytes.count)
            try check("gather", MPI_Gather(&own, 1, plexus_mpi_int(), buffer.baseAddress, 1, plexus_mpi_int(), Int32(root),
                                           plexus_mpi_comm_world()))
        }
        let offsets = counts.reduce(into: [Int32(0)]) { $0.append($0.last! + $1) }
        var gathered = [UInt8](repeating: 0, count: rank == root ? Int(offsets.last!) : 0)
        try bytes.withUnsafeBytes { send in
            try gathered.withUnsafeMutableBytes { receive in
                try check("gather", MPI_Gatherv(send.baseAddress, Int32(bytes.count), plexus_mpi_byte(), receive.baseAddress, counts,
                                                offsets, plexus_mpi_byte(), Int32(root), plexus_mpi_comm_world()))
            }
        }
        guard rank == root else { return nil }
        return (0..<size).map { Array(gathered[Int(offsets[$0])..<Int(offsets[$0 + 1])]) }
    }

    /// Ends MPI cleanly; every rank calls it once, after its last collective. Without MPI it does nothing.
    public func finalize() {
        guard usesMPI else { return }
        MPI_Finalize()
    }

    /// Ends every process of the job with `code`: what a rank does when it cannot go on, so that the others do not
    /// wait forever in a collective it will never join. Without MPI it simply exits.
    public func abort(code: Int32) -> Never {
        if usesMPI { MPI_Abort(plexus_mpi_comm_world(), code) }
        exit(code)
    }

    private func check(_ operation: String, _ status: Int32) throws {
        guard status != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(status, &text, &length)
        throw CommunicatorError(description: "MPI \(operation) failed on rank \(rank) of \(size): \(String(cString: text))")
    }
}

/// A collective that failed, typically because another process of the job died.
public struct CommunicatorError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}
