import CommandTesting
import Foundation
import GRDB
import Plexus
import PlexusFormats
import PlexusKit
import XCTest
@testable import ClassifyPipeline

/// Folders larger than `--cache-mb` are streamed: the same numbers as in memory, one clear line when a file goes
/// away, and peak memory that does not grow with the folder.
final class StreamingTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        var all: [String] = []
    }

    /// `--cache-mb 0` streams every batch from the files; the run is the in-memory run, number for number.
    func testStreamedRunMatchesTheInMemoryRun() throws {
        let (root, options) = try TinyImages.setUp(self)
        var inMemory = options
        inMemory.epochs = 2
        var streamed = inMemory
        streamed.memoryBudget = 0
        streamed.outputDirectory = root + "/out-streamed"
        let log = Lines()
        streamed.log = { log.all.append($0) }

        let a = try ClassifyPipeline.train(store: try ClassifyTables.open(path: root + "/a.db"), options: inMemory)
        let b = try ClassifyPipeline.train(store: try ClassifyTables.open(path: root + "/b.db"), options: streamed)
        XCTAssertTrue(log.all.contains { $0.hasPrefix("The decoded images would take more than 0 MB (--cache-mb): each batch is read from its files") },
                      log.all.joined(separator: "\n"))
        XCTAssertEqual(a.history.epochs.map(\.trainLoss), b.history.epochs.map(\.trainLoss))
        XCTAssertEqual(a.history.epochs.map(\.validationLoss), b.history.epochs.map(\.validationLoss))
        XCTAssertEqual(a.evaluation.confusion, b.evaluation.confusion)

        var predictInMemory = PredictOptions(runID: a.runID, paths: [root + "/test"])
        var predictStreamed = predictInMemory
        predictStreamed.memoryBudget = 0
        predictInMemory.log = { _ in }
        let store = try ClassifyTables.open(path: root + "/a.db")
        let first = try ClassifyPipeline.predict(store: store, options: predictInMemory)
        let second = try ClassifyPipeline.predict(store: store, options: predictStreamed)
        XCTAssertEqual(first.predictions.map(\.confidence), second.predictions.map(\.confidence))
        XCTAssertEqual(first.predictions.map(\.predicted), second.predictions.map(\.predicted))
    }

    /// A file removed after the scan stops the batch that needs it, naming the file.
    func testAFileRemovedAfterTheScanIsNamed() throws {
        let root = try temporaryFolder(for: self, prefix: "stream")
        let path = root + "/gone.png"
        try PNG.write(PNGImage(width: 2, height: 2, channels: 1, pixels: [0, 0.5, 1, 0.25]), path: path)
        let source = ImageFileSource(paths: [path], geometry: ImageGeometry(width: 2, height: 2, channels: 1))
        var output = [Float](repeating: 0, count: 4)
        try output.withUnsafeMutableBufferPointer { try source.load([0], into: $0) }
        XCTAssertEqual(output, [0, 128, 255, 64].map { Float($0) / 255 })
        try FileManager.default.removeItem(atPath: path)
        XCTAssertThrowsError(try output.withUnsafeMutableBufferPointer { try source.load([0], into: $0) }) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): cannot read file ("), "\(error)")
        }
    }

    /// 20,000 colour images of 64×64, 983 MB as Float32: `classify train` and `classify predict` stream them and stay
    /// under 600 MB of peak resident memory, as the runs record it (`peak_rss_mb`, the kernel's VmHWM).
    /// `PLEXUS_STREAM_IMAGES` changes the count.
    func testTwentyThousandImagesTrainAndPredictInBoundedMemory() throws {
        let count = ProcessInfo.processInfo.environment["PLEXUS_STREAM_IMAGES"].flatMap(Int.init) ?? 20_000
        let classify = try CommandInFolder("classify", for: self)
        var start = Date()
        try ColourImages.write(to: classify.directory + "/images", count: count)
        try ColourImages.pipeline.write(toFile: classify.directory + "/small.yml", atomically: true, encoding: .utf8)
        let writing = Date().timeIntervalSince(start)

        start = Date()
        let trained = try Commands.run("classify", ["train", "images", "--pipeline", "small.yml", "--epochs", "1"], in: classify.directory)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.contains("each batch is read from its files"), trained.stdout)
        let training = Date().timeIntervalSince(start)
        start = Date()
        let predicted = try Commands.run("classify", ["predict", "--run", "1", "images"], in: classify.directory)
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        print(String(format: "writing %.1f s, classify train %.1f s, classify predict %.1f s", writing, training, Date().timeIntervalSince(start)))

        let database = try DatabaseQueue(path: classify.database)
        try database.read { db in
            let trainPeak = try XCTUnwrap(try Double.fetchOne(db, sql: "SELECT value FROM metrics WHERE run_id = 1 AND split = 'train' AND name = 'peak_rss_mb'"))
            let predictPeak = try XCTUnwrap(try Double.fetchOne(db, sql: "SELECT value FROM metrics WHERE run_id = 2 AND split = 'predict' AND name = 'peak_rss_mb'"))
            print("streaming \(count) images of 64x64 RGB: peak RSS train \(trainPeak) MB, predict \(predictPeak) MB")
            XCTAssertLessThan(trainPeak, 600)
            XCTAssertLessThan(predictPeak, 600)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT count(*) FROM predictions WHERE run_id = 2"), count)
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = 1"), "completed")
        }
    }
}

/// Two classes of 64×64 colour PNGs, `dark` and `light`: eight noisy pictures per class, each file made different
/// by its index in a `tEXt` chunk (so no two files share a hash; encoding 20,000 pictures would take minutes in a
/// debug build).
enum ColourImages {
    static func write(to root: String, count: Int) throws {
        var rng = RandomGenerator(seed: 3)
        for (classIndex, name) in ["dark", "light"].enumerated() {
            let folder = root + "/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let pictures = try (0..<8).map { _ in
                try PNG.encode(PNGImage(width: 64, height: 64, channels: 3,
                                        pixels: (0..<64 * 64 * 3).map { _ in Float(classIndex) * 0.4 + rng.nextFloat() * 0.6 }))
            }
            for index in 0..<count / 2 {
                let picture = pictures[index % pictures.count]
                let headerEnd = 8 + 25  // signature and IHDR
                let bytes = Array(picture[..<headerEnd]) + PNGBuilder.chunk("tEXt", Array("index\u{0}\(index)".utf8)) + Array(picture[headerEnd...])
                try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(index).png"))
            }
        }
    }

    static let pipeline = """
        name: small-cnn
        model:
          input: [3, 64, 64]
          layers:
            - conv2d: {filters: 4, kernel_size: 3, stride: 2, padding: 1}
            - relu
            - max_pool2d: {kernel_size: 4}
            - flatten
            - linear: {units: 2}
        training:
          epochs: 1
          batch_size: 64
          optimizer: adam
        """
}
