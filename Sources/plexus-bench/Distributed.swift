import Foundation
import Plexus
import PlexusKit

/// `make bench-dist`: the convnet, the LSTM and the conv autoencoder trained through `Trainer` as one process with
/// two threads, then as two single-threaded processes of one `mpirun` job (Horovod's data parallelism, the same
/// global batch). `plexus-bench --distributed-table` runs both and prints the table; `plexus-bench --distributed`
/// is one side, printing its measurements as one JSON object (rank 0 only).

/// The models of the distributed benchmark, smaller than `make bench`'s convnet so a run takes a minute.
let distributedWorkloads: [(name: String, description: String, make: () -> Workload)] = [
    ("convnet", "Keras mnist_convnet, 12,800 images, batch 128", { convNetWorkload(samples: 12_800) }),
    ("lstm", "LSTM(64) on 60x1 windows, 5,000 windows, batch 64", lstmWorkload),
    ("autoencoder", "conv autoencoder 64x64x1, 2,000 images, batch 32", autoencoderWorkload),
]

/// Samples per second (the best of 3 epochs, the first warming up) and seconds per step spent in the gradient
/// all-reduce hook (packing, the all-reduce itself, waiting for the slower rank, unpacking), for every workload.
func measureDistributed() throws -> [String: Double] {
    var measurements: [String: Double] = [:]
    for workload in distributedWorkloads {
        let setup = workload.make()
        let trainer = Trainer(model: setup.model, optimizer: setup.optimizer, loss: setup.loss,
                              config: TrainingConfig(epochs: 3, batchSize: setup.batchSize, seed: 1, progress: .silent))
        try DistributedJob.trainTogether(trainer)
        var hookSeconds = 0.0, steps = 0
        if let allReduce = trainer.hooks.gradientsComputed {
            trainer.hooks.gradientsComputed = { parameters, batchSize, loss in
                let start = DispatchTime.now().uptimeNanoseconds
                let result = try allReduce(parameters, batchSize, loss)
                hookSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                steps += 1
                return result
            }
        }
        let history = try trainer.fit(setup.data)
        measurements[workload.name + ".samples_per_second"] = Double(setup.data.count) / history.epochs.map(\.seconds).min()!
        measurements[workload.name + ".allreduce_ms_per_step"] = 1000 * hookSeconds / Double(max(steps, 1))
    }
    return measurements
}

/// Both sides and the table. Every workload runs three ways on the same machine: one process with one thread
/// (pinned to one core), one process with two threads, and two single-threaded processes pinned to a core each.
/// Horovod's scaling efficiency is the two processes' samples/s over twice the one thread's; the 2x1 / 1x2 column
/// says whether spreading over processes beats giving one process both cores.
func printDistributedTable(executable: String) throws {
    let mpirun = ["mpirun", "--bind-to", "core", "-x", "OMP_NUM_THREADS=1", "-np", "2"] + (getuid() == 0 ? ["--allow-run-as-root"] : [])
    guard let oneThread = runJSON(["taskset", "-c", "0", "env", "OMP_NUM_THREADS=1", executable, "--distributed"]) as? [String: Double],
          let twoThreads = runJSON(["OMP_NUM_THREADS=2", executable, "--distributed"]) as? [String: Double],
          let twoProcesses = runJSON(mpirun + [executable, "--distributed"]) as? [String: Double] else {
        throw BenchError(description: "plexus-bench: a distributed measurement failed (is Open MPI installed? make deps)")
    }
    // The PyTorch peer: the same workloads as DistributedDataParallel over gloo (bench/peers/ddp.py), in this run.
    let ddp = runJSON([python, "bench/peers/ddp.py"])
    let peer = ddp.map { "PyTorch \($0["torch"] ?? "?") DDP (gloo)" } ?? "PyTorch not installed (make bench-venv): no DDP row"
    print("Data-parallel training on \(ProcessInfo.processInfo.activeProcessorCount) cores, samples/s of the best epoch: 1 process x 1 thread, "
          + "1 process x 2 threads, 2 processes x 1 thread (Plexus: mpirun -np 2; peer: \(peer))")
    var table = TextTable(["model", "side", "1x1", "1x2", "2x1", "scaling eff.", "2x1 / 1x2", "all-reduce ms/step"].map { .left($0) })
    var csv = ["model,side,one_thread_samples_per_second,two_threads_samples_per_second,two_processes_samples_per_second,scaling_efficiency,processes_over_threads,allreduce_ms_per_step"]
    func add(_ workload: String, _ description: String, _ side: String, _ rates: [Double], allReduce: Double?) {
        let (single, threads, processes) = (rates[0], rates[1], rates[2])
        table.add([description, side] + rates.map { cell($0, "%.0f") } + [cell(processes / (2 * single)), cell(processes / threads), cell(allReduce, "%.2f")])
        csv.append(([workload, side.replacingOccurrences(of: " ", with: "_")] + rates.map { cell($0, "%.1f") } + [cell(processes / (2 * single), "%.3f"), cell(processes / threads, "%.3f"), allReduce.map { cell($0, "%.3f") } ?? ""])
                    .joined(separator: ","))
    }
    for workload in distributedWorkloads {
        let key = workload.name + ".samples_per_second"
        let plexus = [oneThread[key]!, twoThreads[key]!, twoProcesses[key]!]
        add(workload.name, workload.description, "plexus", plexus, allReduce: twoProcesses[workload.name + ".allreduce_ms_per_step"]!)
        let peerRates = ["one_thread", "two_threads", "two_processes"].compactMap { ddp?["\(workload.name).\($0)_samples_per_second"] as? Double }
        if peerRates.count == 3 {
            add(workload.name, "", "pytorch ddp", peerRates, allReduce: nil)
            print("\(workload.name): Plexus / PyTorch DDP samples/s, 2 processes x 1 thread: \(cell(plexus[2] / peerRates[2]))")
        }
    }
    print(table.rendered)
    try csv.joined(separator: "\n").appending("\n").write(toFile: "bench/dist-results.csv", atomically: true, encoding: .utf8)
    print("Wrote bench/dist-results.csv")
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
}
