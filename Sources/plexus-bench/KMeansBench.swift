import ClusterPipeline
import Foundation
import Plexus
import PlexusFormats
import PlexusKit

/// `make bench-kmeans`: k-means++ with 10 restarts, as `cluster` runs it, against scikit-learn's
/// `KMeans(init="k-means++", n_init=10, algorithm="lloyd")` on the same numbers, in the same run. Each side runs in
/// its own process, so its peak memory is its own: `plexus-bench --kmeans NAME FILE` loads or makes the data set,
/// writes it to FILE (float64, row-major) for the peer, fits it and prints JSON; `bench/peers/kmeans.py` fits FILE.
/// Only the fits are timed, not the loading.

struct KMeansDataSet {
    let name: String
    let description: String
    let ks: [Int]
    /// Random seeds each k is also fitted with, untimed, on both sides: one seed's best of 10 restarts can land in
    /// another local optimum than the peer's (CDNOW at k = 7: 0.18% apart), the mean over seeds compares the methods.
    var extraSeeds = 0
    let load: () throws -> Matrix
}

let kmeansDataSets = [
    KMeansDataSet(name: "fashion-mnist", description: "Fashion-MNIST train, 60,000 x 784, k = 10", ks: [10], load: fashionMNISTPixels),
    KMeansDataSet(name: "cdnow", description: "CDNOW user features, 23,570 x 8, k = 2..10", ks: Array(ClusterPipeline.autoRange),
                  extraSeeds: 9, load: cdnowFeatures),
    KMeansDataSet(name: "blobs", description: "Gaussian blobs, 1,000,000 x 16, k = 10", ks: [10], load: { gaussianBlobs(rows: 1_000_000, columns: 16, centres: 10) }),
]

/// The 60,000 training images of Debian's dataset-fashion-mnist, pixels / 255 (what `data/classify/build.sh` reads).
func fashionMNISTPixels() throws -> Matrix {
    let path = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
    guard let compressed = FileManager.default.contents(atPath: path) else {
        throw BenchError(description: "plexus-bench: \(path) is missing (sh data/classify/build.sh installs it)")
    }
    let bytes = try Gzip.decompress([UInt8](compressed), path: path)
    let (rows, columns) = (60_000, 784)
    guard bytes.count == 16 + rows * columns else { throw BenchError(description: "plexus-bench: \(path): expected 60,000 images of 28x28") }
    return Matrix(rows: rows, columns: columns, values: bytes[16...].map { Double($0) / 255 })
}

/// The standardised per-user features the cluster pipeline segments CDNOW's users on.
func cdnowFeatures() throws -> Matrix {
    let path = "data/generated/cluster/cdnow_events.csv"
    guard case .events(let log) = try UserInput.load(path: path, columns: ColumnOptions()).input else {
        throw BenchError(description: "plexus-bench: \(path) is not an event log (sh data/cluster/build.sh makes it)")
    }
    let features = try FeatureBuilder.fit(log, asOf: nil)
    return try Scaler.fit(features, source: path).transform(features.values)
}

/// `centres` Gaussian clusters of unit spread, their centres uniform in [-10, 10]^columns (scikit-learn's make_blobs).
func gaussianBlobs(rows: Int, columns: Int, centres: Int) -> Matrix {
    var rng = RandomGenerator(seed: 0)
    let means = (0..<centres * columns).map { _ in Double.random(in: -10..<10, using: &rng) }
    var values = Tensor.normal([rows, columns], using: &rng).scalars.map(Double.init)
    for row in 0..<rows {
        let centre = row % centres
        for column in 0..<columns { values[row * columns + column] += means[centre * columns + column] }
    }
    return Matrix(rows: rows, columns: columns, values: values)
}

/// One side of one row: loads `name`, writes it to `file` for the peer, then times the fits.
func measureKMeans(_ name: String, file: String) throws -> [String: Double] {
    guard let dataSet = kmeansDataSets.first(where: { $0.name == name }) else {
        throw BenchError(description: "plexus-bench: unknown k-means data set '\(name)'")
    }
    let data = try dataSet.load()
    try data.values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: file)) }
    var measurement: [String: Double] = ["rows": Double(data.rows), "columns": Double(data.columns), "seconds": 0]
    for k in dataSet.ks {
        var result: KMeans.Result?
        measurement["seconds"]! += timed { result = KMeans(clusters: k, initializations: 10, seed: 0).fit(data) }
        measurement["inertia.k\(k)"] = result?.inertia
        if dataSet.extraSeeds > 0, let first = result?.inertia {
            let others = (1...dataSet.extraSeeds).map { KMeans(clusters: k, initializations: 10, seed: UInt64($0)).fit(data).inertia }
            measurement["mean_inertia.k\(k)"] = (others.reduce(first, +)) / Double(others.count + 1)
        }
    }
    measurement["peak_mb"] = ProcessMemory.peakMegabytes()
    return measurement
}

/// Both sides for every data set, the table and bench/kmeans-results.csv (one row per figure).
func printKMeansTable(executable: String) throws {
    print("k-means++, n_init 10, Lloyd, against scikit-learn on the same data in the same run; seconds of the fits only")
    var table = TextTable(["data", "plexus s", "sklearn s", "ratio", "worst inertia diff", "over 10 seeds", "plexus MB", "sklearn MB"]
        .map { .left($0) })
    var csv = ["data,figure,plexus,sklearn,ratio"]
    var peerVersion = "scikit-learn not installed (make bench-venv)"
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-kmeans-\(getpid()).f64").path
    defer { try? FileManager.default.removeItem(atPath: file) }
    for dataSet in kmeansDataSets {
        guard let ours = runJSON([executable, "--kmeans", dataSet.name, file]) as? [String: Double] else {
            throw BenchError(description: "plexus-bench: k-means on \(dataSet.name) failed")
        }
        let theirs = runJSON([python, "bench/peers/kmeans.py", "--seeds", String(dataSet.extraSeeds + 1), file, cell(ours["rows"], "%.0f"),
                              cell(ours["columns"], "%.0f")] + dataSet.ks.map(String.init))
        if let version = theirs?["sklearn"] as? String { peerVersion = "scikit-learn \(version), \(theirs?["threads"] ?? "?") threads" }
        func row(_ figure: String, _ plexus: Double?, _ peer: Double?) {
            let ratio = plexus.flatMap { p in peer.map { p / $0 } }
            csv.append([dataSet.name, figure, cell(plexus, "%.6f"), cell(peer, "%.6f"), cell(ratio, "%.6f")].joined(separator: ","))
        }
        row("seconds", ours["seconds"], theirs?["seconds"] as? Double)
        row("peak_mb", ours["peak_mb"], theirs?["peak_mb"] as? Double)
        /// The largest Plexus / scikit-learn - 1 over the ks, of the figures `key` names, each written as a CSV row.
        func worst(_ key: String) -> String {
            var worst: Double?
            for k in dataSet.ks {
                let (plexus, peer) = (ours["\(key).k\(k)"], theirs?["\(key).k\(k)"] as? Double)
                guard plexus != nil || peer != nil else { continue }
                row("\(key)_k\(k)", plexus, peer)
                if let plexus, let peer { worst = max(worst ?? -.infinity, plexus / peer - 1) }
            }
            return worst.map { String(format: "%+.3f%%", 100 * $0) } ?? "-"
        }
        let seconds = theirs?["seconds"] as? Double
        table.add([dataSet.description, cell(ours["seconds"]), cell(seconds), cell(seconds.map { ours["seconds"]! / $0 }),
                   worst("inertia"), dataSet.extraSeeds > 0 ? worst("mean_inertia") : "-",
                   cell(ours["peak_mb"], "%.0f"), cell(theirs?["peak_mb"] as? Double, "%.0f")])
    }
    print("Peer: \(peerVersion); ratio = Plexus seconds / scikit-learn seconds, inertia diff = Plexus / scikit-learn - 1 (worst k), "
          + "for seed 0 and for the mean over seeds 0-9 (untimed)")
    print(table.rendered)
    try FileManager.default.createDirectory(atPath: "bench", withIntermediateDirectories: true)
    try csv.joined(separator: "\n").appending("\n").write(toFile: "bench/kmeans-results.csv", atomically: true, encoding: .utf8)
    print("Wrote bench/kmeans-results.csv")
}
