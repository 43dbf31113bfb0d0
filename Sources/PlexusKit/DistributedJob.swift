import Foundation
import Plexus
import PlexusDistributed
import PlexusStore

/// How this process takes part in a job started by `mpirun -np N command …`, as in Horovod: every process runs the
/// same command on the same data, trains its share of every batch in step with the others, and rank 0 alone opens
/// the database, writes the run's rows and files and prints. A worker (rank > 0) runs the command against a scratch
/// database and folder of its own, deleted when it ends, with its standard output discarded (errors still show).
/// Without `mpirun` the process is rank 0 of 1 and none of this happens.
public enum DistributedJob {
    /// The processes of the job (one when started without `mpirun`).
    public static var world: Communicator { Communicator.world }

    /// Whether this process is a worker: it trains but records nothing.
    public static var isWorker: Bool { world.rank != 0 }

    /// The worker's own folder for the scratch database and the files the command would write; nil on rank 0.
    nonisolated(unsafe) private(set) static var scratchDirectory: String?

    /// Joins the job (MPI_Init under `mpirun`) and, on a worker, sets up its scratch database and folder.
    static func start() throws {
        guard isWorker else { return }
        removeLeftScratch()
        let directory = Paths.join(NSTemporaryDirectory(), "plexus-rank\(world.rank)-\(getpid())")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(path: directory, "rank \(world.rank) cannot create its scratch folder (\(error.localizedDescription))")
        }
        scratchDirectory = directory
        Store.scratchPath = Paths.join(directory, "scratch.db")
        freopen("/dev/null", "w", stdout)
    }

    /// Deletes the scratch folders of workers that were killed before they could (`plexus-rank<r>-<pid>` whose
    /// process is gone).
    private static func removeLeftScratch() {
        let temporary = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix("plexus-rank") {
            guard let pid = name.split(separator: "-").last.flatMap({ pid_t($0) }), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: Paths.join(temporary, name))
        }
    }

    /// Leaves the job: the worker's scratch folder is deleted, MPI finalized. Called once, when the command is done.
    static func finish() {
        if let scratchDirectory { try? FileManager.default.removeItem(atPath: scratchDirectory) }
        world.finalize()
    }

    /// Ends the whole job after this process failed, so that no other process waits forever in a collective this one
    /// will never join; without `mpirun`, simply exits.
    static func abort(code: Int32) -> Never {
        if let scratchDirectory { try? FileManager.default.removeItem(atPath: scratchDirectory) }
        world.abort(code: code)
    }

    /// Where a worker writes a file the command asked for at `path`: inside its scratch folder. Rank 0: `path`.
    static func ownPath(_ path: String) -> String {
        guard let scratchDirectory else { return path }
        return Paths.join(scratchDirectory, "files/" + path.replacingOccurrences(of: "/", with: "_"))
    }

    /// Makes `trainer` one of the job's replicas for a fresh run (see `DataParallel`); without `mpirun`, nothing.
    public static func trainTogether(_ trainer: Trainer) throws {
        guard world.isDistributed else { return }
        _ = try DataParallel(world: world).join(trainer, resuming: false, saved: nil)
    }

    /// `read()` on rank 0, sent to every process: what only rank 0's database holds (a stored model to predict
    /// with). A collective; without `mpirun`, simply `read()`.
    public static func fromRankZero<Value: Codable>(_ read: () throws -> Value) throws -> Value {
        guard world.isDistributed else { return try read() }
        var bytes = isWorker ? [] : [UInt8](try JSONEncoder().encode(read()))
        try world.broadcast(&bytes)
        do {
            return try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw CommunicatorError(description: "rank \(world.rank) cannot read what rank 0 sent (\(error))")
        }
    }

    /// The job's hosts as `mpirun -H` writes them, "host:processes" in rank order of first appearance, comma-separated.
    /// A collective: every process calls it.
    static func hosts() throws -> String {
        let name = ProcessInfo.processInfo.hostName
        guard let names = try world.gather(Array(name.utf8)) else { return "" }
        var order: [String] = [], counts: [String: Int] = [:]
        for host in names.map({ String(decoding: $0, as: UTF8.self) }) {
            if counts[host] == nil { order.append(host) }
            counts[host, default: 0] += 1
        }
        return order.map { "\($0):\(counts[$0]!)" }.joined(separator: ",")
    }
}
