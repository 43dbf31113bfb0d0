import CommandTesting
import XCTest
@testable import ClassifyPipeline

/// The `classify` executable as a user runs it, from a folder outside the checkout: wrong pipeline files and flags
/// are refused in one line before any run starts; the built-in CNN trains. The 8×8 test images are resized to 16×16,
/// the smallest size the built-in CNN's four unpadded convolutions and two poolings leave a pixel of.
final class ClassifyCommandTests: XCTestCase {
    private var classify: CommandInFolder!

    override func setUpWithError() throws {
        classify = try CommandInFolder("classify", for: self)
        try TinyImages.write(to: classify.directory + "/pngs", perClass: 10, seed: 1)
    }

    func testWrongPipelineFilesAreRefused() throws {
        var mistakes = try PipelineMistakes(builtin: "classify.yml")
        mistakes.replacing("loss: cross_entropy", with: "loss: mse", problem: "key 'loss': classify trains with cross_entropy (its targets are class labels), found mse")
        mistakes.replacing("input: [1, 28, 28]", with: "input: [784]", problem: "key 'input': classify needs [channels, height, width], found [784]")
        mistakes.replacing("    - linear: {units: 10}\n", with: "    - linear: {units: 10}\n    - sigmoid\n",
                           problem: "layer 'sigmoid': the last layer must be 'linear' (classify sets its units to the number of classes)")
        mistakes.firstLayer("lstm: {units: 8}", problem: "layer 'lstm': classify cannot use a recurrent layer")
        mistakes.replacing("linear: {units: 256}", with: "linear: {units: 0}", problem: "layer 'linear': key 'units' must be a positive integer, found 0")
        mistakes.replacing("    - flatten\n", with: "", problem: "the model must end in one logit per class, shape [3]")
        try classify.assertRefusesEach(mistakes) { ["train", "pngs", "--pipeline", $0, "--image-size", "16x16", "--epochs", "1"] }
    }

    func testWrongFlagsAreRefused() throws {
        try classify.assertRefusesEach(after: ["train", "pngs"], [
            (["--epochs", "0"], "--epochs must be at least 1, found 0"),
            (["--model", "transformer"], "unknown model 'transformer'"),
            (["--image-size", "100000x100000"], "--image-size must be WxH such as 28x28, at most 4096x4096, found '100000x100000'"),
            (["--color", "blue"], "--color must be gray or rgb, found 'blue'"),
            (["--val-split", "1.5"], "--val-split must be in [0, 1), found 1.5"),
            (["--pipeline", "missing.yml"], "missing.yml: file not found"),
            (["--pipeline", "builtin:forecast.yml"], "builtin:forecast.yml:6: model: key 'input': classify needs [channels, height, width], found [60, 1]"),
            ([], "builtin:classify.yml:17: layer 'conv2d': kernel 3 leaves no output for an input of 2×2"),  // 8×8 is too small
            (["--bogus"], "Unknown option '--bogus'"),
        ])
        try classify.assertRefuses(["train", "absent"], mentioning: "absent: no such folder")
    }

    /// DIR or --dataset, exactly one; a stored data set keeps its split; an unknown id is named.
    func testDatasetFlagsAreRefused() throws {
        try classify.assertRefuses(["train"], mentioning: "name the images to train on: a folder of class subfolders (DIR) or a stored data set (--dataset ID)")
        try classify.assertRefuses(["train", "pngs", "--dataset", "1"], mentioning: "give a folder (DIR) or --dataset ID, not both")
        try classify.assertRefuses(["train", "--dataset", "1", "--val-split", "0.2"],
                                   mentioning: "--val-split cannot be used with --dataset: a stored data set is trained on with its stored train/val/test split")
        try classify.assertRefuses(["train", "--dataset", "5"], mentioning: "--dataset 5: no such data set in ")
        try classify.assertRefuses(["compare", "--dataset", "5"], mentioning: "--dataset 5: no such data set in ")
        try classify.assertRefuses(["predict", "--run", "1"], mentioning: "name at least one PNG file or folder, or a stored data set with --dataset ID")
    }

    /// `classify train pngs/` from a folder with nothing but the images: the built-in CNN, recorded with its text.
    func testBuiltinPipelineTrainsFromAnyFolder() throws {
        try classify.assertCompletes(["train", "pngs", "--image-size", "16x16", "--epochs", "1"], builtin: "classify.yml")
    }

    /// `kill -9` during training, then `--resume`: the same CNN (dropout, batch norm, cosine schedule), byte for byte.
    func testKilledRunResumesBitForBit() throws {
        try classify.assertResumesAfterKill(["train", "pngs", "--image-size", "16x16", "--epochs", "8"])
    }
}
