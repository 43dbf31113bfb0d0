import CommandTesting
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore
import XCTest
import AnomalyPipeline
import ClassifyPipeline
import ClusterPipeline
import ForecastPipeline

/// Class names a hostile data set could have (folder names allow all of these): markup, quotes, an ampersand.
let hostileClasses = ["<img src=x onerror=alert(1)>", "\"quoted\" & 'single'", "plain"]

/// The databases the UI tests browse.
enum Databases {
    /// A database written by the real executables, as a user runs them, on tiny data: classify (twice, for the
    /// compare page, with hostile class names), forecast, cluster, anomaly train and anomaly score. Made once per
    /// test process; about a minute in a debug build.
    static func endToEnd() throws -> String {
        try cache.lock.withLock {
            if let path = cache.path { return path }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-ui-e2e-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try writeImages(to: directory + "/pngs", perClass: 8, seed: 1)
            try writeImages(to: directory + "/test", perClass: 4, seed: 2)
            try writePrices(to: directory + "/prices.csv", days: 300)
            try writeEvents(to: directory + "/events.csv")
            try writeScans(to: directory + "/normals", normals: 10, abnormals: 0, seed: 1)
            try writeScans(to: directory + "/scans/normal", normals: 4, abnormals: 0, seed: 2)
            try writeScans(to: directory + "/scans/abnormal", normals: 0, abnormals: 4, seed: 3)
            for (command, arguments) in [
                ("classify", ["train", "pngs", "--test", "test", "--image-size", "16x16", "--epochs", "4", "--batch-size", "8"]),
                ("classify", ["train", "pngs", "--test", "test", "--image-size", "16x16", "--epochs", "4", "--batch-size", "4", "--seed", "7"]),
                ("forecast", ["prices.csv", "--epochs", "2"]),
                ("cluster", ["events.csv", "--epochs", "2", "--k", "3"]),
                ("anomaly", ["train", "normals", "--image-size", "32", "--epochs", "2"]),
                ("anomaly", ["score", "--run", "last", "scans"]),
            ] {
                let result = try Commands.run(command, arguments, in: directory)
                guard result.status == 0 else {
                    throw BrowseError("\(command) \(arguments.joined(separator: " ")) failed: \(result.stderr)")
                }
            }
            cache.path = directory + "/plexus.db"
            return directory + "/plexus.db"
        }
    }

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var path: String?
    }
    private static let cache = Cache()

    /// `root/<class>/<n>.png`: 16×16 gray pictures, a different pattern per class, with noise.
    static func writeImages(to root: String, perClass: Int, seed: UInt64) throws {
        var rng = RandomGenerator(seed: seed)
        for (index, label) in hostileClasses.enumerated() {
            try FileManager.default.createDirectory(atPath: root + "/" + label, withIntermediateDirectories: true)
            for number in 0..<perClass {
                let pixels = (0..<256).map { pixel -> Float in
                    let (x, y) = (pixel % 16, pixel / 16)
                    let on = index == 0 ? x < 8 : index == 1 ? y < 8 : (x + y) % 4 < 2
                    return min(max((on ? 0.8 : 0.2) + (rng.nextFloat() - 0.5) * 0.3, 0), 1)
                }
                try PNG.write(PNGImage(width: 16, height: 16, channels: 1, pixels: pixels), path: "\(root)/\(label)/\(number).png")
            }
        }
    }

    /// A daily price series (a seeded random walk on weekdays) in the `Date,Adj Close` layout.
    static func writePrices(to path: String, days: Int) throws {
        var rng = RandomGenerator(seed: 5), price = 50.0
        var lines = ["Date,Adj Close"], day = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01
        while lines.count <= days {
            let weekday = Calendar(identifier: .gregorian).component(.weekday, from: day)
            if weekday != 1 && weekday != 7 {
                price *= exp(0.0003 + 0.012 * Double(rng.nextNormal()))
                lines.append("\(day.formatted(.iso8601.year().month().day())),\(String(format: "%.4f", price))")
            }
            day += 86_400
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A purchase log of 90 users in three habits: frequent big spenders, one-off buyers, occasional small buyers.
    static func writeEvents(to path: String) throws {
        var rng = RandomGenerator(seed: 9)
        var lines = ["user_id,timestamp,amount"]
        let end = Date(timeIntervalSince1970: 1_719_705_600)  // 2024-06-30
        for user in 0..<90 {
            let habit = user % 3
            let purchases = habit == 0 ? 12 : habit == 1 ? 1 : 3
            for _ in 0..<purchases {
                let daysAgo = Double(habit == 1 ? 300 + Int(rng.next() % 60) : Int(rng.next() % 120))
                let amount = (habit == 0 ? 100.0 : habit == 1 ? 15 : 12) * (0.8 + 0.4 * Double(rng.nextFloat()))
                let time = end - daysAgo * 86_400
                lines.append("user\(user),\(time.formatted(.iso8601.year().month().day().dateSeparator(.dash))) 12:00:00,\(String(format: "%.2f", amount))")
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// 32×32 "scans": a gray disc on black; an abnormal one has a bright spot inside.
    static func writeScans(to directory: String, normals: Int, abnormals: Int, seed: UInt64) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var rng = RandomGenerator(seed: seed)
        for index in 0..<(normals + abnormals) {
            let (cx, cy) = (15.5 + Double(rng.nextFloat()) * 2 - 1, 15.5 + Double(rng.nextFloat()) * 2 - 1)
            let spot = (12 + Double(rng.next() % 8), 12 + Double(rng.next() % 8))
            let pixels = (0..<1024).map { pixel -> Float in
                let (x, y) = (Double(pixel % 32), Double(pixel / 32))
                guard pow(x - cx, 2) + pow(y - cy, 2) < 144 else { return 0 }
                if index >= normals, pow(x - spot.0, 2) + pow(y - spot.1, 2) < 9 { return 1 }
                return 0.5 + 0.03 * Float(rng.nextNormal())
            }
            try PNG.write(PNGImage(width: 32, height: 32, channels: 1, pixels: pixels.map { min(max($0, 0), 1) }),
                          path: "\(directory)/\(index >= normals ? "lesion" : "scan")-\(index).png")
        }
    }

    /// Every pipeline's tables, as the pipelines create them (the shared `images` migration once).
    static let allMigrations: [StoreMigration] = {
        var seen = Set<String>()
        return (ClassifyTables.migrations + ForecastTables.migrations + ClusterStore.migrations + AnomalyTables.migrations)
            .filter { seen.insert($0.identifier).inserted }
    }()

    /// A database of `count` runs over 3 pipelines and 4 datasets, each with `epochs` epochs and final metrics, with
    /// hostile dataset names and one run with a hostile artifact; written directly, in one transaction.
    static func synthetic(at path: String, runs count: Int, epochs: Int = 5) throws {
        let store = try Store(path: path, migrations: allMigrations)
        let names = ["<script>alert('name')</script>", "../../etc/passwd", "prices \"quoted\".csv", "plain"]
        let datasets = try names.enumerated().map { index, name in
            try store.registerDataset(name: name, kind: "test", source: "../\(name)", sha256: String(repeating: "\(index)", count: 64), items: 10 + index)
        }
        let pipelines = ["classify", "forecast", "demo"]
        try store.write { transaction in
            let run = try transaction.prepare("""
                INSERT INTO runs (pipeline, dataset_id, config, status, seed, started_at, finished_at, key_metric)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let epoch = try transaction.prepare("""
                INSERT INTO epochs (run_id, epoch, train_loss, val_loss, metrics, seconds, learning_rate) VALUES (?, ?, ?, ?, ?, 0.5, 0.01)
                """)
            let metric = try transaction.prepare("INSERT INTO metrics (run_id, split, name, value) VALUES (?, 'test', ?, ?)")
            for index in 0..<count {
                let pipeline = pipelines[index % 3]
                let status = index % 10 == 9 ? "failed" : "completed"
                let accuracy = Double(index % 100) / 100
                try run.execute([pipeline, datasets[index % 4], "{\"learning_rate\":\(index % 2 == 0 ? 0.01 : 0.001),\"epochs\":\(epochs),\"note\":\"<b>n\(index)</b>\"}",
                                 status, index, String(format: "2026-12-01T%02d:%02d:00Z", index / 60 % 24, index % 60),
                                 String(format: "2026-12-01T%02d:%02d:30Z", index / 60 % 24, index % 60), "test/model.accuracy"])
                let id = transaction.lastInsertedRowID
                for number in 1...epochs {
                    let loss = 1 / Double(number) + Double(index % 7) / 100
                    try epoch.execute([id, number, loss, loss * 1.1, "{\"accuracy\":\(1 - loss / 2)}"])
                }
                try metric.execute([id, "model.accuracy", accuracy])
                try metric.execute([id, "baseline.accuracy", accuracy / 2])
            }
            try transaction.execute("""
                INSERT INTO artifacts (run_id, name, kind, media_type, bytes, path, created_at)
                VALUES (1, '<script>x</script>.csv', 'table', 'text/csv', CAST('a,b' AS BLOB), '../../etc/passwd', '2026-12-01T00:00:00Z')
                """)
        }
    }
}
