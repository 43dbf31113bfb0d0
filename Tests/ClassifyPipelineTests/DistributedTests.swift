import CommandTesting
import XCTest

/// `mpirun -np 2 classify …`: two processes train the model one process trains with the same global batch, rank 0
/// alone records it, a dead rank ends the job without leaving its run `running`, and predictions split over ranks
/// equal one process's.
final class ClassifyDistributedTests: XCTestCase {
    private var classify: CommandInFolder!

    /// A convnet without dropout or BatchNorm (whose batch statistics are per process): the two-process run must then
    /// compute what one process does, up to the order of float additions.
    private static let convnet = """
        model:
          input: [1, 8, 8]
          layers:
            - conv2d: {filters: 4, kernel_size: 3, padding: same}
            - relu
            - max_pool2d: {kernel_size: 2}
            - flatten
            - linear: {units: 3}
        training: {epochs: 4, batch_size: 11, optimizer: adam, learning_rate: 0.01}
        """

    override func setUpWithError() throws {
        classify = try CommandInFolder("classify", for: self)
        try TinyImages.write(to: classify.directory + "/pngs", perClass: 20, seed: 1)
        try Self.convnet.write(toFile: classify.directory + "/convnet.yml", atomically: true, encoding: .utf8)
    }

    /// 54 training images in batches of 11 (shares of 5 and 6, then 5 and 5), 4 epochs: 20 steps. Validation (6
    /// images) is split over the ranks too.
    func testTwoProcessesTrainTheWeightsOfOne() throws {
        let arguments = ["train", "pngs", "--pipeline", "convnet.yml", "--val-split", "0.1", "--seed", "3"]
        let single = try Commands.run("classify", arguments + ["--db", "one.db", "--out", "one"], in: classify.directory)
        XCTAssertEqual(single.status, 0, single.stderr)
        let pair = try Commands.runUnderMPI("classify", arguments + ["--db", "two.db", "--out", "two"], in: classify.directory)
        XCTAssertEqual(pair.status, 0, pair.stderr + pair.stdout)

        let one = classify.directory + "/one.db", two = classify.directory + "/two.db"
        XCTAssertEqual(try Commands.texts("select status || ' ' || world_size || ' ' || hosts from runs", in: two),
                       ["completed 2 \(ProcessInfo.processInfo.hostName):2"])
        XCTAssertEqual(try Commands.texts("select cast(world_size as text) from runs", in: one), ["1"])
        let difference = Commands.relativeDifference(try Commands.storedWeights(in: one), try Commands.storedWeights(in: two))
        print("classify convnet, 20 steps, 2 ranks against 1 process: relative weight difference \(difference)")
        XCTAssertLessThan(difference, 1e-5)
        let losses = "select printf('%.5f %.5f', train_loss, val_loss) from epochs order by epoch"
        XCTAssertEqual(try Commands.texts(losses, in: two), try Commands.texts(losses, in: one), "losses are summed over the ranks")
        XCTAssertEqual(pair.stdout.components(separatedBy: "Run 1 recorded in").count, 2, "only rank 0 prints its report")
        XCTAssertFalse(FileManager.default.fileExists(atPath: classify.directory + "/runs"), "a worker wrote files")
    }

    /// `classify predict` over two ranks (a model trained by one process, 300 files: rank 0 computes the first batch
    /// of 256, rank 1 the last 44) writes the rows one process writes, and only rank 0 writes them.
    func testPredictionsOverTwoProcessesEqualOneProcesss() throws {
        try TinyImages.write(to: classify.directory + "/new", perClass: 100, seed: 9)
        let trained = try Commands.run("classify", ["train", "pngs", "--pipeline", "convnet.yml", "--epochs", "1"], in: classify.directory)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let single = try Commands.run("classify", ["predict", "--run", "1", "new", "--csv", "one.csv"], in: classify.directory)
        XCTAssertEqual(single.status, 0, single.stderr)
        let pair = try Commands.runUnderMPI("classify", ["predict", "--run", "1", "new", "--csv", "two.csv"], in: classify.directory)
        XCTAssertEqual(pair.status, 0, pair.stderr + pair.stdout)

        XCTAssertEqual(try Commands.texts("select pipeline || ' ' || status || ' ' || world_size from runs where id > 1", in: classify.database),
                       ["classify-predict completed 1", "classify-predict completed 2"])
        let rows = { (run: Int) in
            try Commands.texts("select path || ' ' || label || ' ' || predicted || ' ' || top_k from predictions where run_id = \(run) order by path",
                               in: self.classify.database)
        }
        XCTAssertEqual(try rows(2).count, 300)
        XCTAssertEqual(try rows(3), try rows(2))
        // The same batches as one process, but computed with one thread each instead of two: equal up to rounding.
        let confidences = { (run: Int) in
            try Commands.texts("select cast(confidence as text) from predictions where run_id = \(run) order by path", in: self.classify.database)
                .compactMap(Double.init)
        }
        let largest = zip(try confidences(2), try confidences(3)).map { abs($0 - $1) }.max()
        print("classify predict, 300 images, 2 ranks against 1 process: largest confidence difference \(largest ?? .nan)")
        XCTAssertLessThan(try XCTUnwrap(largest), 1e-5)
        XCTAssertEqual(try String(contentsOfFile: classify.directory + "/two.csv", encoding: .utf8),
                       try String(contentsOfFile: classify.directory + "/one.csv", encoding: .utf8))
    }

    /// `--dataset` reads the images from the database, which only rank 0 opens: under `mpirun` it is refused in
    /// one line, on every rank, before a run starts.
    func testStoredDataSetIsRefusedUnderMPI() throws {
        let trained = try Commands.run("classify", ["train", "pngs", "--pipeline", "convnet.yml", "--epochs", "1"], in: classify.directory)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        for arguments in [["train", "--dataset", "1", "--pipeline", "convnet.yml"], ["predict", "--run", "1", "--dataset", "1"]] {
            let pair = try Commands.runUnderMPI("classify", arguments, in: classify.directory)
            XCTAssertNotEqual(pair.status, 0, arguments.joined(separator: " "))
            XCTAssert(pair.stderr.contains("--dataset cannot be used under mpirun"), pair.stderr)
        }
        XCTAssertEqual(try Commands.texts("select count(*) from runs", in: classify.database), ["1"])
    }

    /// `kill -9` of rank 0 of a two-process job, then `mpirun -np 2 … --resume 1`: rank 0 reads the checkpoint and
    /// broadcasts it, and the job ends with the models of a two-process run that was never interrupted, byte for byte.
    func testAKilledJobResumesUnderMPI() throws {
        try classify.assertResumesAfterKill(["train", "pngs", "--image-size", "16x16", "--epochs", "8"], processes: 2)
    }

    /// `kill -9` of rank 1 during training: the job ends within the timeout, and the run is `interrupted` (rank 0 got
    /// mpirun's SIGTERM) or `failed` (its collective failed), with no results but the last epoch's checkpoint.
    func testAKilledRankEndsTheJobAndTheRun() throws {
        let database = classify.directory + "/plexus.db"
        let job = try Commands.startTraining("classify", ["train", "pngs", "--pipeline", "convnet.yml", "--epochs", "500"], processes: 2,
                                             in: classify.directory, database: database, epochs: 1)
        let rank1 = try XCTUnwrap(Commands.rankProcess(1, of: job), "rank 1 not found among mpirun's children")
        kill(rank1, SIGKILL)
        let deadline = Date().addingTimeInterval(60)
        while job.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertFalse(job.isRunning, "the job outlived its killed rank by 60 s")
        if job.isRunning { kill(job.processIdentifier, SIGKILL) }
        job.waitUntilExit()
        XCTAssertNotEqual(job.terminationStatus, 0)
        let status = try XCTUnwrap(Commands.runs(in: database).first?.status)
        print("classify with rank 1 killed: the job ended, the run is \(status)")
        XCTAssertTrue(["interrupted", "failed"].contains(status), "run left \(status)")
        for table in ["metrics", "artifacts", "predictions"] {
            XCTAssertEqual(try Commands.texts("select cast(count(*) as text) from \(table)", in: database), ["0"], table)
        }
        XCTAssertEqual(try Commands.texts("select name from models", in: database), ["checkpoint"])
    }
}
