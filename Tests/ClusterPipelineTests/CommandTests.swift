import CommandTesting
import Foundation
import PlexusKit
import XCTest
@testable import ClusterPipeline

/// The `cluster` executable as a user runs it, from a folder outside the checkout: wrong pipeline files and flags
/// are refused in one line before any run starts; the built-in autoencoder trains.
final class ClusterCommandTests: XCTestCase {
    private var cluster: CommandInFolder!

    override func setUpWithError() throws {
        cluster = try CommandInFolder("cluster", for: self)
        _ = write(plantedLog().csv, to: "events.csv", in: cluster.directory)
    }

    func testWrongPipelineFilesAreRefused() throws {
        var mistakes = try PipelineMistakes(builtin: "cluster.yml")
        mistakes.replacing("loss: mse", with: "loss: cross_entropy",
                           problem: "key 'loss': cluster trains with mse, l1 or huber (it reconstructs the features), found cross_entropy")
        mistakes.replacing("input: [8]", with: "input: [8, 1]", problem: "key 'input': cluster needs [features], found [8, 1]")
        mistakes.replacing("    - linear: {units: 8}     # the reconstruction\n", with: "    - linear: {units: 8}\n    - relu\n",
                           problem: "layer 'relu': the last layer must be 'linear' (the reconstruction of the features")
        mistakes.firstLayer("lstm: {units: 8}", problem: "layer 'lstm': cluster cannot use a recurrent layer")
        mistakes.firstLayer("conv2d: {filters: 8, kernel_size: 3}", problem: "layer 'conv2d': cluster cannot use an image layer")
        mistakes.replacing("linear: {units: 3}", with: "linear: {units: 0}", problem: "layer 'linear': key 'units' must be a positive integer, found 0")
        mistakes.replacing("linear: {units: 3}", with: "linear: {units: 40}", problem: "the bottleneck has 16 units, not fewer than the 12 features")
        try cluster.assertRefusesEach(mistakes) { ["events.csv", "--pipeline", $0, "--epochs", "1"] }
    }

    func testWrongFlagsAreRefused() throws {
        try cluster.assertRefusesEach(after: ["events.csv"], [
            (["--k", "1"], "--k: expected 'auto' or an integer of at least 2, found '1'"),
            (["--k", "500"], "--k 500: needs 2 ≤ k < the number of users (180)"),
            (["--embed", "pca"], "--embed: expected 'none' or 'autoencoder', found 'pca'"),
            (["--epochs", "0"], "--epochs: expected at least 1, found 0"),
            (["--as-of", "yesterday"], "--as-of: cannot read \"yesterday\""),
            (["--user-column", "customer"], "customer"),
            (["--pipeline", "missing.yml"], "missing.yml: file not found"),
            (["--pipeline", "builtin:anomaly.yml"], "builtin:anomaly.yml:9: model: key 'input': cluster needs [features], found [1, 128, 128]"),
            (["--bogus"], "Unknown option '--bogus'"),
        ])
        try cluster.assertRefuses(["absent.csv"], mentioning: "absent.csv: file not found")
    }

    /// Hostile amounts, each refused in one line naming the file, the line and the column. A missing amount (empty,
    /// NaN) is an event without revenue, 0, as EventLog documents: FeatureTests.
    func testHostileAmountsAreRefusedInOneLine() throws {
        let cases = [
            ("huge.csv", "user,date,amount\nu1,2024-01-01,5\nu2,2024-01-02,1e39\n",
             "huge.csv:3: column 'amount': 1e39 is beyond ±3.4e38, the range of the 32-bit floats Plexus computes in"),
            ("infinite.csv", "user,date,amount\nu1,2024-01-01,inf\n", "infinite.csv:2: column 'amount': expected a finite number, found \"inf\""),
            ("negative.csv", "user,date,amount\nu1,2024-01-01,-2\n", "negative.csv:2: column 'amount': negative amount -2"),
            ("one-user.csv", "user,date,amount\n" + (1...40).map { "u1,2024-01-\(String(format: "%02d", $0 % 28 + 1)),\($0)\n" }.joined(),
             "segmenting needs at least 3 users, the input has 1"),
        ]
        for (name, text, problem) in cases {
            _ = write(text, to: name, in: cluster.directory)
            try cluster.assertRefuses([name, "--epochs", "1"], mentioning: problem)
        }
    }

    /// `cluster events.csv` from a folder with nothing but the log: the built-in autoencoder, recorded with its text.
    func testBuiltinPipelineRunsFromAnyFolder() throws {
        try cluster.assertCompletes(["events.csv", "--epochs", "1", "--k", "3"], builtin: "cluster.yml")
    }

    /// `kill -9` during the autoencoder's training, then `--resume`: the same encoder and segments, byte for byte.
    /// The built-in file stops early, within a second here, so this one trains without early stopping.
    func testKilledRunResumesBitForBit() throws {
        let long = try PipelineFiles.text(PipelineFiles.builtin("cluster.yml")).replacingOccurrences(of: "  early_stopping: {patience: 5}\n", with: "")
        try long.write(toFile: cluster.directory + "/long.yml", atomically: true, encoding: .utf8)
        try cluster.assertResumesAfterKill(["events.csv", "--pipeline", "long.yml", "--epochs", "300", "--k", "3"], afterEpochs: 2)
    }

    /// `mpirun -np 2 cluster …` trains the autoencoder across two processes.
    func testTrainsUnderMPI() throws {
        try cluster.assertTrainsUnderMPI(["events.csv", "--epochs", "2", "--k", "3"])
    }

    /// `mpirun -np 2 cluster assign --run 1 …`: the workers read the source run from rank 0, and the job records one
    /// assignment with the same segments as one process's.
    func testAssignsUnderMPI() throws {
        let run = try Commands.run("cluster", ["events.csv", "--epochs", "2", "--k", "3", "--db", "c.db", "--out", "run"], in: cluster.directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        let single = try Commands.run("cluster", ["assign", "--run", "1", "events.csv", "--db", "c.db", "--out", "one"], in: cluster.directory)
        XCTAssertEqual(single.status, 0, single.stderr)
        let pair = try Commands.runUnderMPI("cluster", ["assign", "--run", "1", "events.csv", "--db", "c.db", "--out", "two"], in: cluster.directory)
        XCTAssertEqual(pair.status, 0, pair.stderr + pair.stdout)
        let database = cluster.directory + "/c.db"
        XCTAssertEqual(try Commands.texts("select id || ' ' || status || ' ' || world_size from runs order by id", in: database),
                       ["1 completed 1", "2 completed 1", "3 completed 2"])
        let segments = "select user_id || ' ' || segment from segments where run_id = %d order by user_id"
        let assigned = try Commands.texts(String(format: segments, 3), in: database)
        XCTAssertEqual(assigned.count, 180)
        XCTAssertEqual(assigned, try Commands.texts(String(format: segments, 2), in: database))
    }
}
