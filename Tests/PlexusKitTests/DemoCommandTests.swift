import CommandTesting
import XCTest

/// `plexus demo` as a user runs it, from a folder outside the checkout: wrong pipeline files and flags are refused
/// in one line before any run starts; the built-in MLP trains.
final class DemoCommandTests: XCTestCase {
    private var plexus: CommandInFolder!

    override func setUpWithError() throws {
        plexus = try CommandInFolder("plexus", for: self)
    }

    func testWrongPipelineFilesAreRefused() throws {
        var mistakes = try PipelineMistakes(builtin: "demo.yml")
        mistakes.replacing("loss: cross_entropy", with: "loss: mse", problem: "key 'loss': the demo trains with cross_entropy (its targets are class labels), found mse")
        mistakes.replacing("input: [2]", with: "input: [3]", problem: "key 'input': the demo needs [2], found [3]")
        mistakes.replacing("    - linear: {units: 2}\n", with: "    - linear: {units: 2}\n    - relu\n", problem: "layer 'relu': the last layer must be 'linear'")
        mistakes.replacing("    - linear: {units: 2}\n", with: "    - linear: {units: 3}\n", problem: "the demo's model must map input [2] to 2 class logits")
        mistakes.firstLayer("lstm: {units: 8}", problem: "layer 'lstm': the demo cannot use a recurrent layer")
        mistakes.replacing("linear: {units: 32}", with: "linear: {units: 0}", problem: "layer 'linear': key 'units' must be a positive integer, found 0")
        // Two mistakes: the misspelt key comes first in the file, so it is the one reported.
        mistakes.replacing("    - linear: {units: 32}\n    - relu\n    - linear: {units: 32}\n    - relu\n    - linear: {units: 2}\n",
                           with: "    - linear: {unit: 32}\n    - relu\n", problem: "layer 'linear': unknown key 'unit' (expected one of: bias, init, units)")
        try plexus.assertRefusesEach(mistakes) { ["demo", "--pipeline", $0, "--epochs", "1"] }
    }

    func testWrongFlagsAreRefused() throws {
        try plexus.assertRefusesEach(after: ["demo"], [
            (["--epochs", "0"], "--epochs must be at least 1, found 0"),
            (["--pipeline", "missing.yml"], "missing.yml: file not found"),
            (["--pipeline", "builtin:forecast.yml"], "builtin:forecast.yml:6: model: key 'input': the demo needs [2], found [60, 1]"),
            (["--seed", "minus"], "The value 'minus' is invalid for '--seed <seed>'"),
            (["--bogus"], "Unknown option '--bogus'"),
        ])
        try plexus.assertRefuses(["summary", "builtin:nope.yml"], mentioning: "builtin:nope.yml: no such built-in pipeline")
    }

    /// `plexus demo` from an empty folder: the built-in MLP, recorded with its text.
    func testBuiltinPipelineRunsFromAnyFolder() throws {
        try plexus.assertCompletes(["demo", "--epochs", "1"], builtin: "demo.yml")
    }

    /// `mpirun -np 2 plexus demo` trains the MLP across two processes.
    func testTrainsUnderMPI() throws {
        try plexus.assertTrainsUnderMPI(["demo", "--epochs", "2"])
    }

    /// The demo over two hosts (two network namespaces, TCP between them) trains what two processes on one host train,
    /// to the bit: the same epochs and the same model.
    func testTwoHostsTrainWhatOneHostTrains() throws {
        let hosts = try TwoHosts(for: self, in: plexus.directory)
        let arguments = ["demo", "--epochs", "3", "--seed", "5"]
        let oneHost = try Commands.runUnderMPI("plexus", arguments + ["--db", "one-host.db", "--out", "one-host"], in: plexus.directory)
        XCTAssertEqual(oneHost.status, 0, oneHost.stderr)
        let twoHosts = try hosts.run("plexus", arguments + ["--db", "two-hosts.db", "--out", "two-hosts"], in: plexus.directory)
        XCTAssertEqual(twoHosts.status, 0, twoHosts.stderr + twoHosts.stdout)
        let run = "select status || ' ' || world_size from runs"
        let results = "select printf('%d %.17g %.17g', epoch, train_loss, val_loss) from epochs union all select hex(bytes) from models where name = 'model'"
        XCTAssertEqual(try Commands.texts(run, in: plexus.directory + "/two-hosts.db"), ["completed 2"])
        XCTAssertEqual(try Commands.texts(results, in: plexus.directory + "/two-hosts.db"), try Commands.texts(results, in: plexus.directory + "/one-host.db"))
    }
}
