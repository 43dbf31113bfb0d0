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

/// Both sides and the table; the scaling efficiency is the two processes' samples/s over the one process's, on
/// the same two cores.
func printDistributedTable(executable: String) throws {
    let mpirun = ["mpirun", "--bind-to", "core", "-x", "OMP_NUM_THREADS=1", "-np", "2"] + (getuid() == 0 ? ["--allow-run-as-root"] : [])
    guard let one = runJSON(["OMP_NUM_THREADS=2", executable, "--distributed"]) as? [String: Double],
          let two = runJSON(mpirun + [executable, "--distributed"]) as? [String: Double] else {
        throw BenchError(description: "plexus-bench: a distributed measurement failed (is Open MPI installed? make deps)")
    }
    print("Data-parallel training on \(ProcessInfo.processInfo.activeProcessorCount) cores: 1 process x 2 threads against mpirun -np 2, 1 thread each")
    var table = TextTable(["model", "1x2 samp/s", "2x1 samp/s", "efficiency", "all-reduce ms/step"].map { .left($0) })
    var csv = ["model,one_process_samples_per_second,two_processes_samples_per_second,efficiency,allreduce_ms_per_step"]
    for workload in distributedWorkloads {
        let (single, pair) = (one[workload.name + ".samples_per_second"]!, two[workload.name + ".samples_per_second"]!)
        let allReduce = two[workload.name + ".allreduce_ms_per_step"]!
        table.add([workload.description, cell(single, "%.0f"), cell(pair, "%.0f"), cell(pair / single), cell(allReduce, "%.2f")])
        csv.append([workload.name, cell(single, "%.1f"), cell(pair, "%.1f"), cell(pair / single, "%.3f"), cell(allReduce, "%.3f")].joined(separator: ","))
    }
    print(table.rendered)
    let torch = runJSON(["python3", "-c", "import json, torch; print(json.dumps({'torch': torch.__version__}))"])
    print(torch == nil ? "Peer: PyTorch not installed, so no DDP (gloo) row; install torch to compare." :
          "Peer: PyTorch \(torch!["torch"]!) is installed, but no DDP peer script exists yet.")
    try csv.joined(separator: "\n").appending("\n").write(toFile: "bench/dist-results.csv", atomically: true, encoding: .utf8)
    print("Wrote bench/dist-results.csv")
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
}
