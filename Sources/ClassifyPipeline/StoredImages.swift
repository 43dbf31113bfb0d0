import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// PNGs of a data set in the `images` table, read from SQLite and decoded when a batch needs them: a `--dataset`
/// run larger than `--cache-mb` trains and predicts with memory bounded by the batch size, as a folder run does
/// (`ImageFileSource`). Only row ids and paths are held; `Store.pngBytes` reads a batch's blobs in one query, a
/// pool read, which is safe on the loader thread while the main thread trains and records epochs.
struct StoredImageSource: SampleSource {
    let store: Store
    let datasetID: Int64
    let images: [(rowID: Int64, path: String)]
    let geometry: ImageGeometry

    var count: Int { images.count }
    var sampleShape: [Int] { geometry.shape }

    func load(_ indices: [Int], into output: UnsafeMutableBufferPointer<Float>) throws {
        let bytes = try store.pngBytes(datasetID: datasetID, indices.map { images[$0] })
        for (position, png) in bytes.enumerated() {
            try geometry.decode(png, path: images[indices[position]].path, into: output, at: position)
        }
    }
}

/// A data set of the `images` table, as `classify train --dataset` and `classify predict --dataset` read it.
struct StoredDataset {
    let id: Int64
    let name: String
    let store: Store

    /// Data set `id` of `store`; an error naming the id when there is none, or when it has no `images` rows (a
    /// forecast or cluster data set is registered in `datasets` too).
    static func open(_ id: Int64, in store: Store) throws -> StoredDataset {
        // Only rank 0 opens the database (workers get a scratch one), so the workers would have no images.
        guard !DistributedJob.world.isDistributed else {
            throw ClassifyError("--dataset cannot be used under mpirun: only rank 0 opens the database; give every process the images' folder instead")
        }
        guard let name = try store.datasetName(id: id) else {
            throw ClassifyError("--dataset \(id): no such data set in \(store.path) (expected the id of an image data set, as in runs.dataset_id of a classify run)")
        }
        let dataset = StoredDataset(id: id, name: name, store: store)
        guard try store.read({ try $0.value(Int.self, "SELECT count(*) FROM images WHERE dataset_id = ?", [id]) ?? 0 }) > 0 else {
            let kind = try store.datasetKind(id: id) ?? "unknown"
            throw ClassifyError("--dataset \(id): data set '\(name)' (kind \(kind)) has no images in the images table; expected an image data set stored by a classify run")
        }
        return dataset
    }

    /// The rows of `splits` (every split but `excluded` when nil), ordered by path, without their bytes.
    func entries(splits: [String]?) throws -> [StoredImageEntry] {
        let all = try store.imageEntries(datasetID: id)
        let entries = all.filter { splits?.contains($0.split) ?? ($0.split != "excluded") }
        guard !entries.isEmpty else {
            let stored = Set(all.map(\.split)).sorted()
            throw ClassifyError("--dataset \(id): data set '\(name)' has no images in split \((splits ?? []).joined(separator: ", ")) "
                                + "(its splits: \(stored.joined(separator: ", ")))")
        }
        return entries
    }

    /// Whether the entries' decoded images fit in `budget` bytes, counted as `ImageScan` counts a folder's: each
    /// image at its own size and channels, as Float32.
    static func fits(_ entries: [StoredImageEntry], budget: Int) -> Bool {
        entries.reduce(0) { $0 + $1.width * $1.height * $1.channels * MemoryLayout<Float>.size } <= budget
    }

    /// The entries' images as model inputs, [N, C, H, W]: streamed from the database when `streamed`, else decoded
    /// once into one tensor, a few hundred blobs at a time so the PNG bytes never all sit in memory together.
    func samples(_ entries: [StoredImageEntry], geometry: ImageGeometry, streamed: Bool) throws -> Samples {
        let source = StoredImageSource(store: store, datasetID: id, images: entries.map { ($0.rowID, $0.path) }, geometry: geometry)
        guard !streamed else { return Samples(source) }
        let size = geometry.shape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: entries.count * size)
        try scalars.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: entries.count, by: 256) {
                let chunk = start ..< min(start + 256, entries.count)
                try source.load(Array(chunk), into: UnsafeMutableBufferPointer(rebasing: buffer[chunk.lowerBound * size ..< chunk.upperBound * size]))
            }
        }
        return Samples(Tensor(shape: [entries.count] + geometry.shape, scalars: scalars))
    }
}

extension LabelledData {
    /// A data set stored by an earlier `classify train`, as it was stored: its `train`, `val` and `test` rows (no new
    /// split; `excluded` rows are left out as they were). Classes, image order and geometry are derived as
    /// `LabelledData.load` derives them from the folders the rows came from, so a run on the stored data set
    /// trains on the same tensors in the same order and reports the same numbers as the folder run did:
    /// - classes: the train split's labels sorted by their bytes (`ImageFolder.subfolders`' order);
    /// - each split ordered by class, then path (the folder's class subfolders in turn, files sorted by path);
    /// - geometry from the training folder's rows (train, val and excluded), its first image as in `ImageGeometry.infer`.
    static func stored(_ dataset: StoredDataset, imageSize: (width: Int, height: Int)?, color: ColorMode?, memoryBudget: Int,
                       log: (String) -> Void) throws -> LabelledData {
        let start = Date()
        let entries = try dataset.entries(splits: ["train", "val", "test", "excluded"])
        let trainLabels = entries.filter { $0.split == "train" }.map(\.label)
        guard !trainLabels.isEmpty, !trainLabels.contains(nil) else {
            throw ClassifyError("--dataset \(dataset.id): data set '\(dataset.name)' has " + (trainLabels.isEmpty ? "no 'train' images" : "unlabelled 'train' images")
                                + "; expected labelled train/val/test images as classify train stores them")
        }
        let classes = Set(trainLabels.compactMap { $0 }).sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
        guard classes.count >= 2 else {
            throw ClassifyError("--dataset \(dataset.id): the train split has only one class ('\(classes[0])'); a classifier needs at least two classes")
        }
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        // Excluded rows may carry a class the train split lacks; they only take part in the geometry, last.
        func order(_ a: StoredImageEntry, _ b: StoredImageEntry) -> Bool {
            let (left, right) = (a.label.flatMap { classIndex[$0] } ?? classes.count, b.label.flatMap { classIndex[$0] } ?? classes.count)
            return left != right ? left < right : Array(a.path.utf8).lexicographicallyPrecedes(b.path.utf8)
        }
        let trainingFolder = entries.filter { $0.split != "test" }.sorted(by: order)
        let splitEntries = ["train", "val", "test"].map { split in entries.filter { $0.split == split }.sorted(by: order) }
        let geometry = ImageGeometry.infer(firstSize: (trainingFolder[0].width, trainingFolder[0].height),
                                           channels: trainingFolder.map(\.channels), size: imageSize, color: color)
        let streamed = !StoredDataset.fits(splitEntries.flatMap { $0 }, budget: memoryBudget)
        log(String(format: "Data set %lld (%@): %d images in %d classes, stored split %d train, %d val, %d test (read in %.1f s)",
                   dataset.id, dataset.name, splitEntries.map(\.count).reduce(0, +), classes.count, splitEntries[0].count,
                   splitEntries[1].count, splitEntries[2].count, Date().timeIntervalSince(start)))
        if streamed {
            log(String(format: "The decoded images would take more than %.0f MB (--cache-mb): each batch is read from the database",
                       Double(memoryBudget) / 1_048_576))
        }

        func images(_ split: [StoredImageEntry]) throws -> LabelledImages? {
            guard !split.isEmpty else { return nil }
            let labels = try split.map { entry in
                guard let label = entry.label, let index = classIndex[label] else {
                    throw ClassifyError("--dataset \(dataset.id): \(entry.path) (split \(entry.split)): "
                                        + (entry.label.map { "class '\($0)' is not" } ?? "an unlabelled image is not in") + " one of the train split's classes (\(classes.joined(separator: ", ")))")
                }
                return index
            }
            return LabelledImages(paths: split.map(\.path), labels: labels,
                                  inputs: try dataset.samples(split, geometry: geometry, streamed: streamed))
        }
        guard let train = try images(splitEntries[0]) else { throw ClassifyError("--dataset \(dataset.id): no 'train' images") }
        let validation = try images(splitEntries[1])
        let positions = { (split: String) in trainingFolder.indices.filter { trainingFolder[$0].split == split } }
        let split = DataSplit(train: positions("train"), validation: positions("val"), leftOutAsInTest: positions("excluded"), duplicateFiles: 0)
        let labelled = train.count + (validation?.count ?? 0)
        return LabelledData(classes: classes, geometry: geometry, train: train, validation: validation, test: try images(splitEntries[2]),
                            split: split, validationFraction: Double(validation?.count ?? 0) / Double(labelled), skipped: 0, rows: [],
                            name: dataset.name, source: "classify train --dataset \(dataset.id)",
                            classCounts: classes.indices.map { index in (train.labels + (validation?.labels ?? [])).filter { $0 == index }.count },
                            storedDatasetID: dataset.id)
    }
}
