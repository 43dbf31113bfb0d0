import CommandTesting
import XCTest
@testable import AnomalyPipeline

/// The `anomaly` executable as a user runs it, from a folder outside the checkout: wrong pipeline files and flags
/// are refused in one line before any run starts; the built-in autoencoder trains (on 32×32 scans, for speed).
final class AnomalyCommandTests: XCTestCase {
    private var anomaly: CommandInFolder!

    override func setUpWithError() throws {
        anomaly = try CommandInFolder("anomaly", for: self)
        try SyntheticScans.writeNormal(to: anomaly.directory + "/normals", count: 10, seed: 1)
    }

    func testWrongPipelineFilesAreRefused() throws {
        var mistakes = try PipelineMistakes(builtin: "anomaly.yml")
        mistakes.replacing("loss: l1", with: "loss: cross_entropy",
                           problem: "key 'loss': anomaly trains with mse, l1 or huber (it reconstructs the scan), found cross_entropy")
        mistakes.replacing("input: [1, 128, 128]", with: "input: [3, 128, 128]", problem: "key 'input': anomaly needs [1, height, width], found [3, 128, 128]")
        mistakes.replacing("conv_transpose2d: {filters: 1,", with: "conv_transpose2d: {filters: 3,",
                           problem: "an autoencoder must reconstruct its input: at --image-size 32 the model maps [1, 32, 32] to [3, 32, 32]")
        mistakes.firstLayer("lstm: {units: 8}", problem: "layer 'lstm': anomaly cannot use a recurrent layer")
        mistakes.replacing("filters: 24,", with: "filters: 0,", problem: "layer 'conv2d': key 'filters' must be a positive integer, found 0")
        try anomaly.assertRefusesEach(mistakes) { ["train", "normals", "--pipeline", $0, "--image-size", "32", "--epochs", "1"] }
    }

    func testWrongFlagsAreRefused() throws {
        try anomaly.assertRefusesEach(after: ["train", "normals"], [
            (["--image-size", "4"], "--image-size must be between 8 and 4096, found 4"),
            (["--image-size", "36"], "builtin:anomaly.yml:30: an autoencoder must reconstruct its input: at --image-size 36"),
            (["--residual", "l3"], "--residual must be one of l1, l2, ssim, found 'l3'"),
            (["--epochs", "0"], "--epochs must be at least 1, found 0"),
            (["--val-split", "1"], "--val-split must be between 0 and 1, found 1.0"),
            (["--smoothing", "inf"], "--smoothing must be a finite number of 0 or more, found inf"),
            (["--pipeline", "missing.yml"], "missing.yml: file not found"),
            (["--pipeline", "builtin:cluster.yml"], "builtin:cluster.yml:12: model: key 'input': anomaly needs [1, height, width], found [8]"),
            (["--bogus"], "Unknown option '--bogus'"),
        ])
        try anomaly.assertRefuses(["train", "absent"], mentioning: "absent")
    }

    /// `anomaly train normals/` from a folder with nothing but the scans: the built-in autoencoder, recorded with its text.
    func testBuiltinPipelineTrainsFromAnyFolder() throws {
        try anomaly.assertCompletes(["train", "normals", "--image-size", "32", "--epochs", "1"], builtin: "anomaly.yml")
    }

    /// `kill -9` during training, then `--resume`: the same denoising autoencoder (its noise stream too), byte for byte.
    func testKilledRunResumesBitForBit() throws {
        try anomaly.assertResumesAfterKill(["train", "normals", "--image-size", "32", "--epochs", "6"])
    }

    /// `mpirun -np 2 anomaly train …` trains the autoencoder across two processes; `anomaly score` over two ranks writes
    /// the rows one process writes with the same model.
    func testTrainsAndScoresUnderMPI() throws {
        try anomaly.assertTrainsUnderMPI(["train", "normals", "--image-size", "32", "--epochs", "2"])
        let score = ["score", "--run", "1", "normals", "--quiet", "--db", "one.db"]
        let single = try Commands.run("anomaly", score + ["--out", "score1"], in: anomaly.directory)
        XCTAssertEqual(single.status, 0, single.stderr)
        let pair = try Commands.runUnderMPI("anomaly", score + ["--out", "score2"], in: anomaly.directory)
        XCTAssertEqual(pair.status, 0, pair.stderr + pair.stdout)
        let rows = { (run: Int) in
            try Commands.texts("select method || ' ' || path || ' ' || score || ' ' || is_anomaly || ' ' || hex(heatmap) from anomaly_scores "
                               + "where run_id = \(run) order by method, path", in: self.anomaly.directory + "/one.db")
        }
        XCTAssertFalse(try rows(2).isEmpty)
        XCTAssertEqual(try rows(3), try rows(2))
    }
}
