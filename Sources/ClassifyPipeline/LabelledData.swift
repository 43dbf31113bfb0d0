import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// Images with known classes, in memory or streamed from their files, with the paths they came from.
struct LabelledImages {
    let paths: [String]
    let labels: [Int]
    /// [N, C, H, W].
    let inputs: Samples

    var dataset: Dataset { Dataset(samples: inputs, targets: .classes(labels)) }
    var count: Int { labels.count }
}

/// The training folder (and test folder) read, split and stored: what every model of a `train` or `compare`
/// invocation is trained and evaluated on.
struct LabelledData {
    let classes: [String]
    let geometry: ImageGeometry
    let train: LabelledImages
    let validation: LabelledImages?
    let test: LabelledImages?
    let split: DataSplit
    let validationFraction: Double
    /// Files that did not decode and were skipped, in both folders.
    let skipped: Int
    /// Every file with its split (`train`, `val`, `test`, or `excluded` for training-folder copies of test files),
    /// as `images` rows of the data set `name`.
    let rows: [ImageRow]
    let name: String
    let source: String
    /// Files per class in the training folder before the split (after `maxPerClass`).
    let classCounts: [Int]
    /// The `images` data set these images were read from (`classify train --dataset`): the run is recorded
    /// against it, and `rows` is empty. Nil for folders, which `register` stores as a data set of their own.
    var storedDatasetID: Int64? = nil

    struct Options {
        var directory: String
        var testDirectory: String?
        var validationFraction: Double
        var imageSize: (width: Int, height: Int)?
        var color: ColorMode?
        var strict: Bool
        var maxPerClass: Int?
        var seed: UInt64
        /// Bytes of decoded images (as Float32) kept in memory; larger data sets are streamed from their files.
        var memoryBudget: Int
    }

    /// Reads both folders, checks them, splits the training folder (stratified, seeded, no content in two splits),
    /// and builds the tensors. Nothing is written: `register` stores the data set when a run is about to start.
    static func load(_ options: Options, log: (String) -> Void) throws -> LabelledData {
        let start = Date()
        var (classes, scan) = try ImageFolder.labelled(options.directory, strict: options.strict, budget: options.memoryBudget)
        report(scan.skipped, in: options.directory, log: log)
        log(String(format: "%@: %d images in %d classes (read in %.1f s)", options.directory, scan.files.count, classes.count,
                   Date().timeIntervalSince(start)))
        var files = scan.files
        let trainDecoded = scan.isDecoded
        scan.files = []  // `files` holds the decoded images now, so that releasing them frees memory
        if let limit = options.maxPerClass { files = sample(files, perClass: limit, seed: options.seed) }
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })

        var testScan = ImageScan(budget: scan.remainingBudget)
        if let testDirectory = options.testDirectory {
            let (testClasses, found) = try ImageFolder.labelled(testDirectory, strict: options.strict, minimumClasses: 1,
                                                                 budget: scan.remainingBudget)
            if let unknown = testClasses.first(where: { classIndex[$0] == nil }) {
                throw ClassifyError("\(Paths.join(testDirectory, unknown)): class '\(unknown)' is not one of the training classes "
                                    + "(\(classes.joined(separator: ", ")))")
            }
            report(found.skipped, in: testDirectory, log: log)
            log("\(testDirectory): \(found.files.count) test images")
            testScan = found
        }
        if !trainDecoded || !testScan.isDecoded {
            // Both folders stream when either is over the shared budget.
            for index in files.indices { files[index].image = nil }
            testScan.dropDecoded()
            log(String(format: "The decoded images would take more than %.0f MB (--cache-mb): each batch is read from its files", Double(options.memoryBudget) / 1_048_576))
        }

        let geometry = ImageGeometry.infer(from: files, size: options.imageSize, color: options.color)
        let labels = files.map { classIndex[$0.label!]! }
        let split = DataSplit.stratified(labels: labels, hashes: files.map(\.sha256), testHashes: Set(testScan.files.map(\.sha256)),
                                         fraction: options.validationFraction, seed: options.seed)

        func rows(_ indices: [Int], _ name: String) -> [ImageRow] { indices.map { files[$0].row(split: name) } }
        let source = "classify train \(options.directory)" + (options.testDirectory.map { " --test \($0)" } ?? "")
            + String(format: " (validation %.3g stratified, seed %llu%@)", options.validationFraction, options.seed,
                     options.maxPerClass.map { ", at most \($0) per class" } ?? "")

        // Each split's images move into its tensor, leaving `files` without them.
        func images(_ indices: [Int]) -> LabelledImages {
            var subset = indices.map { files[$0] }
            for index in indices { files[index].image = nil }
            return LabelledImages(paths: subset.map(\.path), labels: indices.map { labels[$0] }, inputs: geometry.samples(&subset))
        }
        var testFiles = testScan.files
        testScan.dropDecoded()
        let test = testFiles.isEmpty ? nil : LabelledImages(paths: testFiles.map(\.path), labels: testFiles.map { classIndex[$0.label!]! },
                                                            inputs: geometry.samples(&testFiles))
        return LabelledData(classes: classes, geometry: geometry, train: images(split.train),
                            validation: split.validation.isEmpty ? nil : images(split.validation), test: test, split: split,
                            validationFraction: options.validationFraction, skipped: scan.skipped.count + testScan.skipped.count,
                            rows: rows(split.train, "train") + rows(split.validation, "val") + rows(split.leftOutAsInTest, "excluded")
                                + testFiles.map { $0.row(split: "test") },
                            name: options.directory + (options.testDirectory.map { " + " + $0 } ?? ""), source: source,
                            classCounts: classes.indices.map { index in labels.filter { $0 == index }.count })
    }

    /// At most `limit` files of each class, a seeded random pick, in their original order.
    private static func sample(_ files: [ImageFile], perClass limit: Int, seed: UInt64) -> [ImageFile] {
        var rng = RandomGenerator(seed: seed)
        let order = rng.permutation(files.count)
        var taken: [String: Int] = [:]
        var keep = Set<Int>()
        for index in order where taken[files[index].label!, default: 0] < limit {
            taken[files[index].label!, default: 0] += 1
            keep.insert(index)
        }
        return files.indices.filter(keep.contains).map { files[$0] }
    }

    private static func report(_ skipped: [FormatError], in directory: String, log: (String) -> Void) {
        for error in skipped { log("skipped \(error.description)") }
        if !skipped.isEmpty { log("\(directory): \(ImageFolder.filesCount(skipped.count)) skipped (not valid PNGs; --strict makes this an error)") }
    }

    /// Stores the data set and its images, or finds it stored by an earlier run with the same files and split; a
    /// stored data set is already there.
    func register(in store: Store) throws -> Int64 {
        if let storedDatasetID { return storedDatasetID }
        return try store.registerImageDataset(name: name, source: source, rows: rows)
    }

    /// Contents (SHA-256) found in more than one split of the stored data set, counted by the splits they are in
    /// (`"train and val"`): empty when the split holds. Read back from `images` with a query a user can run too; it
    /// groups by hash (one sort), not a self-join, which would compare every pair of the 70,000 rows.
    static func crossSplitDuplicates(datasetID: Int64, in store: Store) throws -> [(splits: String, shared: Int)] {
        try store.read { transaction in
            try transaction.rows("""
                SELECT splits, count(*) AS shared FROM (
                    SELECT group_concat(split, ' and ') AS splits FROM (
                        SELECT DISTINCT sha256, split FROM images WHERE dataset_id = ? AND split <> 'excluded' ORDER BY sha256, split)
                    GROUP BY sha256 HAVING count(*) > 1)
                GROUP BY splits ORDER BY splits
                """, [datasetID]).map { ($0["splits"] ?? "", $0["shared"] ?? 0) }
        }
    }
}
