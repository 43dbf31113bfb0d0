import GRDB
import Foundation
import PlexusFormats
import PlexusStore
import XCTest
@testable import ClusterPipeline

/// `cluster run` and `cluster assign` end to end on small generated logs, and what bad input does.
final class PipelineTests: XCTestCase {
    var directory = ""

    override func setUp() { directory = temporaryDirectory() }

    func store() throws -> Store { try ClusterStore.open(path: directory + "/test.db") }

    func options(_ input: String, embed: Embedding = .none, k: ClusterCount = .auto) -> ClusterPipeline.RunOptions {
        var options = ClusterPipeline.RunOptions(input: input)
        options.embedding = embed
        options.clusters = k
        options.pipelinePath = write("""
            model:
              input: [8]
              layers:
                - linear: {units: 8}
                - relu
                - linear: {units: 2}
                - linear: {units: 8}
                - relu
                - linear: {units: 8}
            training:
              epochs: 3
              batch_size: 32
              learning_rate: 0.01
            """, to: "autoencoder.yml", in: directory)
        options.outputDirectory = directory + "/out"
        options.progress = .silent
        return options
    }

    func count(_ table: String, _ store: Store) throws -> Int {
        try store.query { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)")! }
    }

    /// The planted behaviours come back as the segments, with k = 3 chosen by the silhouette, and get the names
    /// their profiles deserve.
    func testPlantedSegmentsAreRecoveredAndNamed() throws {
        let (csv, groups) = plantedLog()
        let path = write(csv, to: "planted.csv", in: directory)
        let store = try store()
        let report = try ClusterPipeline.run(store: store, options: options(path), log: { _ in })
        XCTAssertEqual(report.usedVariant.best.k, 3)
        XCTAssertEqual(report.variants.map(\.steps.count), [9])
        let segments = try ClusterStore.segments(runID: report.runID, in: store)
        XCTAssertEqual(segments.count, 180)
        let truth = segments.keys.sorted().map { groups[$0]! }, found = segments.keys.sorted().map { segments[$0]! }
        XCTAssertGreaterThan(ClusterScores.adjustedRandIndex(found, truth), 0.99)

        let names = Dictionary(uniqueKeysWithValues: report.profiles.map { ($0.segment, $0.name) })
        func name(ofGroup group: Int) -> String { names[segments["u\(group)-0"]!]! }
        XCTAssertEqual(name(ofGroup: 0), "champions")
        XCTAssertEqual(name(ofGroup: 1), "lapsed low-value one-time")
        XCTAssertTrue(name(ofGroup: 2).hasSuffix("occasional"), name(ofGroup: 2))
        // Segment 0 carries the most revenue: the frequent big spenders.
        XCTAssertEqual(segments["u0-0"], 0)
        XCTAssertGreaterThan(report.profiles[0].revenueShare!, 0.8)

        // Everything is in the database.
        XCTAssertEqual(try store.run(id: report.runID)?.status, .completed)
        XCTAssertEqual(try count("events", store), csv.split(separator: "\n").count - 1)
        XCTAssertEqual(try count("user_features", store), 180)
        XCTAssertEqual(try count("segment_profiles", store), 3)
        let metrics = try store.query { try String.fetchAll($0, sql: "SELECT name FROM metrics WHERE split = 'all' ORDER BY name") }
        XCTAssertEqual(metrics, ["raw.calinski_harabasz", "raw.davies_bouldin", "raw.inertia", "raw.k", "raw.silhouette",
                                 "raw.silhouette_in_features", "users"])
        XCTAssertEqual(try store.query { try Int.fetchOne($0, sql: "SELECT count(*) FROM metrics WHERE split = 'search'") }, 9 * 4)
        XCTAssertEqual(report.artifacts.map { ($0 as NSString).lastPathComponent }, ["pca.svg", "profiles.svg", "segments.csv"])
        let svg = try String(contentsOfFile: report.artifacts[0], encoding: .utf8)
        XCTAssertTrue(svg.contains("180 dots in 3 groups"), "every user is drawn: \(svg.prefix(600))")

        let table = ReportText.segments(report.profiles, features: report.features)
        XCTAssertTrue(table.hasPrefix("segment  name"), table)
        XCTAssertTrue(table.contains("\n0        champions  "), table)
    }

    /// The deep variant trains the autoencoder (epochs recorded), reports both variants, stores the scaler, encoder
    /// and centroids; `assign` on the same log then puts every user back where the run put them.
    func testAutoencoderRunThenAssign() throws {
        let (csv, _) = plantedLog(seed: 2)
        let path = write(csv, to: "planted.csv", in: directory)
        let store = try store()
        let report = try ClusterPipeline.run(store: store, options: options(path, embed: .autoencoder, k: .fixed(3)))
        XCTAssertEqual(report.variants.map(\.name), ["raw", "autoencoder"])
        XCTAssertEqual(report.variants.map(\.best.k), [3, 3])
        XCTAssertEqual(report.autoencoder?.width, 2)
        XCTAssertEqual(report.autoencoder?.epochs, 3)
        XCTAssertEqual(try count("epochs", store), 3)
        let models = try store.query { try String.fetchAll($0, sql: "SELECT name FROM models WHERE run_id = ? ORDER BY name", arguments: [report.runID]) }
        XCTAssertEqual(models, ["autoencoder", "centroids", "checkpoint", "encoder", "scaler"])
        let metric = { (name: String) in try store.query { try Double.fetchOne($0, sql: "SELECT value FROM metrics WHERE name = ?", arguments: [name]) } }
        for name in ["raw.silhouette", "autoencoder.silhouette", "autoencoder.silhouette_in_features", "autoencoder.reconstruction_mse",
                     "pca.reconstruction_mse", "agreement.adjusted_rand"] {
            XCTAssertNotNil(try metric(name), name)
        }
        XCTAssertTrue(ReportText.closing(report).hasPrefix("Run \(report.runID): k = 3 on the autoencoder embedding; raw: k 3, silhouette "))

        var assign = ClusterPipeline.AssignOptions(runID: report.runID, input: path)
        assign.outputDirectory = directory + "/assigned"
        let assigned = try ClusterPipeline.assign(store: store, options: assign)
        XCTAssertEqual(assigned.returningUsers, 180)
        XCTAssertEqual(assigned.movedUsers, 0)
        XCTAssertEqual(assigned.profiles.map(\.name), report.profiles.map(\.name))
        XCTAssertEqual(assigned.profiles.map(\.users), report.profiles.map(\.users))
        let config = try XCTUnwrap(try store.run(id: assigned.runID)?.config)
        XCTAssertTrue(config.contains("\"source_run\":\(report.runID)"), config)
        // The same file is the same dataset, and its events are stored once.
        XCTAssertEqual(try count("datasets", store), 1)
        XCTAssertEqual(try count("events", store), csv.split(separator: "\n").count - 1)
    }

    /// Assigning only the one-time buyers (as of the same date) keeps each in its segment and leaves the other
    /// segments empty, shown without made-up medians.
    func testAssignCanLeaveSegmentsEmpty() throws {
        let (csv, _) = plantedLog()
        let store = try store()
        let report = try ClusterPipeline.run(store: store, options: options(write(csv, to: "planted.csv", in: directory), k: .fixed(3)))
        let oneTimers = csv.split(separator: "\n").filter { $0.hasPrefix("user_id") || $0.hasPrefix("u1-") }
        var assign = ClusterPipeline.AssignOptions(runID: report.runID, input: write(oneTimers.joined(separator: "\n") + "\n", to: "one-timers.csv", in: directory))
        assign.asOf = "2024-06-30"
        assign.outputDirectory = directory + "/assigned"
        let assigned = try ClusterPipeline.assign(store: store, options: assign)
        let segment = try XCTUnwrap(ClusterStore.segments(runID: report.runID, in: store)["u1-0"])
        XCTAssertEqual(assigned.profiles.map(\.users), (0..<3).map { $0 == segment ? 60 : 0 })
        XCTAssertEqual(assigned.returningUsers, 60)
        XCTAssertEqual(assigned.movedUsers, 0)
        let empty = try XCTUnwrap(assigned.profiles.first { $0.users == 0 })
        let row = ReportText.segments([empty], features: assigned.features).split(separator: "\n").last!
        XCTAssertTrue(row.hasSuffix("0.0%     -                    -                 -                      -                     -                   -"), String(row))
        let profile = try store.query {
            try String.fetchOne($0, sql: "SELECT profile FROM segment_profiles WHERE run_id = ? AND users = 0", arguments: [assigned.runID])
        }
        XCTAssertTrue(profile?.hasPrefix("{\"median\": {\"recency_days\": null") == true, profile ?? "no profile")
    }

    func testSameSeedSameSegments() throws {
        let path = write(plantedLog(seed: 3).csv, to: "planted.csv", in: directory)
        let store = try store()
        let first = try ClusterPipeline.run(store: store, options: options(path, k: .fixed(4)))
        let second = try ClusterPipeline.run(store: store, options: options(path, k: .fixed(4)))
        XCTAssertEqual(try ClusterStore.segments(runID: first.runID, in: store), try ClusterStore.segments(runID: second.runID, in: store))
        XCTAssertEqual(first.usedVariant.best.inertia, second.usedVariant.best.inertia)
    }

    /// A clickstream with only users and times is segmented on what it has; segments are numbered by size and
    /// have no revenue share.
    func testLogWithoutAmounts() throws {
        let (csv, groups) = plantedLog()
        let clicks = csv.split(separator: "\n").map { line in line.split(separator: ",").prefix(2).joined(separator: ",") }
        let path = write(clicks.joined(separator: "\n") + "\n", to: "clicks.csv", in: directory)
        let store = try store()
        let report = try ClusterPipeline.run(store: store, options: options(path, k: .fixed(3)))
        XCTAssertEqual(report.input.columns.description, "user=user_id (guessed), time=timestamp (guessed), amount=none, event=none, category=none")
        XCTAssertFalse(report.features.contains("monetary_total"))
        XCTAssertEqual(report.profiles.map(\.revenueShare), [nil, nil, nil])
        XCTAssertEqual(report.profiles.map(\.users), [60, 60, 60])
        let segments = try ClusterStore.segments(runID: report.runID, in: store)
        let users = segments.keys.sorted()
        XCTAssertGreaterThan(ClusterScores.adjustedRandIndex(users.map { segments[$0]! }, users.map { groups[$0]! }), 0.99)
        XCTAssertEqual(try store.query { try Int.fetchOne($0, sql: "SELECT count(*) FROM segment_profiles WHERE revenue_share IS NULL") }, 3)
        XCTAssertEqual(try store.query { try Int.fetchOne($0, sql: "SELECT count(*) FROM events WHERE amount IS NULL") }, clicks.count - 1)
    }

    /// A table with one row per user and no time column is segmented on its own columns, named after them.
    func testPerUserFeatureTable() throws {
        var rng = SplitMix(seed: 9)
        var lines = ["customer_id,visits,basket,revenue"], truth: [String: Int] = [:]
        for (group, (visits, basket)) in [(20.0, 50.0), (2.0, 10.0), (8.0, 100.0)].enumerated() {
            for index in 0..<30 {
                let v = visits * (0.9 + 0.2 * Double(rng.next(100)) / 100), b = basket * (0.9 + 0.2 * Double(rng.next(100)) / 100)
                lines.append("c\(group)-\(index),\(v),\(b),\(v * b)")
                truth["c\(group)-\(index)"] = group
            }
        }
        let path = write(lines.joined(separator: "\n") + "\n", to: "users.csv", in: directory)
        let store = try store()
        let report = try ClusterPipeline.run(store: store, options: options(path))
        XCTAssertNil(report.input.events)
        XCTAssertEqual(report.features, ["visits", "basket", "revenue"])
        XCTAssertEqual(report.usedVariant.best.k, 3)
        let segments = try ClusterStore.segments(runID: report.runID, in: store)
        let users = segments.keys.sorted()
        XCTAssertGreaterThan(ClusterScores.adjustedRandIndex(users.map { segments[$0]! }, users.map { truth[$0]! }), 0.99)
        // Named after the columns (two most distinctive), ordered by revenue: the 20-visit, 50-basket group earns most.
        XCTAssertEqual(report.profiles.map(\.name), ["high visits, high revenue", "high basket", "low revenue, low basket"])
        XCTAssertEqual(try count("events", store), 0)
        XCTAssertEqual(try store.query { try String.fetchOne($0, sql: "SELECT kind FROM datasets") }, "user-features")
    }

    // MARK: Bad input: one line naming the file, line and field; no run, no rows.

    func assertRejected(_ csv: String?, columns: ColumnOptions = ColumnOptions(), asOf: String? = nil, _ expected: String,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let path = csv.map { write($0, to: "bad.csv", in: directory) } ?? directory + "/missing.csv"
        let store = try store()
        var options = options(path)
        options.columns = columns
        options.asOf = asOf
        XCTAssertThrowsError(try ClusterPipeline.run(store: store, options: options), file: file, line: line) { error in
            XCTAssertEqual("\(error)", expected.replacingOccurrences(of: "$FILE", with: path), file: file, line: line)
        }
        for table in ["runs", "datasets", "events", "user_features", "segments", "segment_profiles", "metrics", "models"] {
            XCTAssertEqual(try count(table, store), 0, "\(table) after a rejected input", file: file, line: line)
        }
    }

    func testMissingUserColumn() throws {
        try assertRejected("name,timestamp\nann,2024-01-01\n",
                           "$FILE:1: no user column (looked for userid, user, customerid, customer, clientid, client, …; columns: 'name', 'timestamp'); name it with --user-column")
        try assertRejected("name,timestamp\nann,2024-01-01\n", columns: ColumnOptions(user: "uid"),
                           "$FILE:1: no column 'uid' (columns: 'name', 'timestamp')")
    }

    func testUnparsableDate() throws {
        try assertRejected("user_id,timestamp\na,2024-01-01\nb,17/03/1997\n",
                           "$FILE:3: column 'timestamp': cannot read \"17/03/1997\" as a date or time (expected \(EventTime.acceptedForms))")
        try assertRejected("user_id,timestamp\na,2024-01-01\n", asOf: "last week",
                           "--as-of: cannot read \"last week\" as a date or time (expected \(EventTime.acceptedForms))")
    }

    func testNegativeAmount() throws {
        try assertRejected("user_id,date,revenue\na,2024-01-01,5\nb,2024-01-02,7\nc,2024-01-03,-5\n",
                           "$FILE:4: column 'revenue': negative amount -5 (refunds and corrections are not supported: net them out first)")
        try assertRejected("user_id,date,revenue\na,2024-01-01,five\n", "$FILE:2: column 'revenue': expected a number, found \"five\"")
    }

    func testEmptyOrMissingFile() throws {
        try assertRejected("", "$FILE: file is empty (expected a header line)")
        try assertRejected("user_id,timestamp\n", "$FILE:1: header but no data rows")
        try assertRejected(nil, "$FILE: file not found")
    }

    func testRepeatedUsersWithoutTimes() throws {
        try assertRejected("user_id,amount\na,1\na,2\n",
                           "$FILE:3: user 'a' appears again (first on line 2) and there is no time column: an event log needs one (--time-column; looked for timestamp, ts, eventtime, eventtimestamp, datetime, time, …), a per-user feature table has one row per user")
    }

    func testTooFewUsers() throws {
        try assertRejected("user_id,timestamp\na,2024-01-01\nb,2024-01-02\n", "segmenting needs at least 3 users, the input has 2")
    }

    func testBadPipelineFileLeavesNoRun() throws {
        let path = write(plantedLog().csv, to: "planted.csv", in: directory)
        let store = try store()
        var options = options(path, embed: .autoencoder)
        options.pipelinePath = write("model:\n  input: [8]\n  layers:\n    - linear: {units: 4}\n    - relu\n", to: "broken.yml", in: directory)
        XCTAssertThrowsError(try ClusterPipeline.run(store: store, options: options)) { error in
            XCTAssertEqual("\(error)", "\(options.pipelinePath):5: layer 'relu': the last layer must be 'linear' (the reconstruction of the features: cluster sets its units to their number)")
        }
        options.pipelinePath = write("model:\n  input: [8]\n  layers:\n    - linear: {units: 40}\n    - linear: {units: 8}\n", to: "wide.yml", in: directory)
        XCTAssertThrowsError(try ClusterPipeline.run(store: store, options: options)) { error in
            XCTAssertEqual("\(error)", "\(options.pipelinePath):4: the bottleneck has 40 units, not fewer than the 12 features, so it compresses nothing; narrow it or use --embed none")
        }
        XCTAssertEqual(try count("runs", store), 0)
    }

    func testAssignNeedsACompletedClusterRun() throws {
        let store = try store()
        let path = write(plantedLog().csv, to: "planted.csv", in: directory)
        XCTAssertThrowsError(try ClusterPipeline.assign(store: store, options: .init(runID: 7, input: path))) { error in
            XCTAssertEqual("\(error)", "run 7: no such run in \(store.path)")
        }
        XCTAssertEqual(try count("runs", store), 0)
    }
}
