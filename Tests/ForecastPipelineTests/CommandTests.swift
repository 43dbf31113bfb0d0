import CommandTesting
import XCTest
@testable import ForecastPipeline

/// The `forecast` executable as a user runs it, from a folder outside the checkout: wrong pipeline files and flags
/// are refused in one line before any run starts; the built-in pipeline trains.
final class ForecastCommandTests: XCTestCase {
    private var forecast: CommandInFolder!

    override func setUpWithError() throws {
        forecast = try CommandInFolder("forecast", for: self)
        let (dates, prices) = syntheticSeries(days: 300, seed: 3)
        try write(yahooCSV(dates: dates, prices: prices), to: forecast.directory + "/prices.csv")
    }

    func testWrongPipelineFilesAreRefused() throws {
        var mistakes = try PipelineMistakes(builtin: "forecast.yml")
        mistakes.replacing("loss: mse", with: "loss: cross_entropy", problem: "key 'loss': forecast trains with mse, l1 or huber")
        mistakes.replacing("input: [60, 1]", with: "input: [1, 28, 28]", problem: "key 'input': forecast needs [steps, features], found [1, 28, 28]")
        mistakes.replacing("    - linear: {units: 5}  # one output per horizon step\n", with: "    - linear: {units: 5}\n    - relu\n",
                           problem: "layer 'relu': the last layer must be 'linear'")
        mistakes.firstLayer("conv2d: {filters: 8, kernel_size: 3}", problem: "layer 'conv2d': forecast cannot use an image layer")
        mistakes.replacing("lstm: {units: 64}", with: "lstm: {units: 0}", problem: "layer 'lstm': key 'units' must be a positive integer, found 0")
        mistakes.replacing("lstm: {units: 64}", with: "lstm: {units: 8, return_sequences: true}", problem: "the model maps [60, 1] to [60, 5]")
        mistakes.replacing("validation_split: 0.2", with: "validation_split: 0", problem: "training: validation_split must be above 0")
        try forecast.assertRefusesEach(mistakes) { ["prices.csv", "--pipeline", $0, "--epochs", "1"] }
    }

    func testWrongFlagsAreRefused() throws {
        try forecast.assertRefusesEach(after: ["prices.csv"], [
            (["--window", "1"], "--window must be at least 2, found 1"),
            (["--model", "transformer"], "--model must be one of lstm, gru, mlp, linear, found 'transformer'"),
            (["--epochs", "0"], "--epochs must be at least 1, found 0"),
            (["--target", "vol"], "--target must be returns, price, volatility or quantiles, found 'vol'"),
            (["--target", "volatility", "--volatility-proxy", "range"], "--volatility-proxy must be auto, squared or parkinson, found 'range'"),
            (["--target", "quantiles", "--quantiles", "0.05,0.01"], "--quantiles: the levels must increase, found 0.01 after 0.05"),
            (["--target", "quantiles", "--quantiles", "0,0.5"], "--quantiles: '0' is not a level strictly between 0 and 1 (expected e.g. 0.01,0.05,0.5,0.95,0.99)"),
            (["--interval", "nan"], "--interval must be between 0 and 1, found nan"),
            (["--pipeline", "missing.yml"], "missing.yml: file not found"),
            (["--pipeline", "builtin:classify.yml"], "builtin:classify.yml:8: model: key 'input': forecast needs [steps, features], found [1, 28, 28]"),
            (["--epochs", "some"], "The value 'some' is invalid for '--epochs <epochs>'"),
            (["--bogus"], "Unknown option '--bogus'"),
            // Found only when the run writes its files: it ends `failed`, with one line naming the path.
            (["--epochs", "1", "--out", "/proc/plexus"], "/proc/plexus/model.safetensors: cannot write this file of the run"),
        ])
        try forecast.assertRefuses(["absent.csv"], mentioning: "absent.csv")
    }

    /// Hostile numbers in a price file, each refused in one line naming the file, the line and the column. (NaN is a
    /// missing price, forward-filled and counted in the report; unsorted dates are sorted: PriceFileTests.)
    func testHostilePricesAreRefusedInOneLine() throws {
        let cases = [
            ("huge.csv", "Date,Close\n2020-01-02,5\n2020-01-03,1e39\n",
             "huge.csv:3: column 'Close': 1e39 is beyond ±3.4e38, the range of the 32-bit floats Plexus computes in"),
            ("infinite.csv", "Date,Close\n2020-01-02,5\n2020-01-03,-inf\n", "infinite.csv:3: column 'Close': expected a finite number, found \"-inf\""),
            ("zero.csv", "Date,Close\n2020-01-02,5\n2020-01-03,0\n", "zero.csv:3: column 'Close': price 0.0 on 2020-01-03 is not positive"),
            ("negative.csv", "Date,Close\n2020-01-02,-5\n", "negative.csv:2: column 'Close': price -5.0 on 2020-01-02 is not positive"),
            ("duplicate.csv", "Date,Close\n2020-01-02,5\n2020-01-02,6\n", "duplicate.csv:3: column 'Date': duplicate date 2020-01-02 (first on line 2)"),
            ("all-nan.csv", "Date,Close\n2020-01-02,NaN\n2020-01-03,nan\n", "all-nan.csv: column 'Close': no price at all for 'all-nan'"),
            ("one-row.csv", "Date,Close\n2020-01-02,5\n", "one-row.csv: column 'Close': 'one-row' has 1 prices, too few for window 60 + horizon 5"),
        ]
        for (name, text, problem) in cases {
            try write(text, to: forecast.directory + "/" + name)
            try forecast.assertRefuses([name, "--epochs", "1"], mentioning: problem)
        }
    }

    /// `forecast prices.csv` from a folder with nothing but the prices: the built-in LSTM, recorded with its text.
    func testBuiltinPipelineRunsFromAnyFolder() throws {
        try forecast.assertCompletes(["prices.csv", "--epochs", "1"], builtin: "forecast.yml")
    }

    /// `kill -9` during training, then `--resume`: the same LSTM, byte for byte, as a run never interrupted.
    func testKilledRunResumesBitForBit() throws {
        try forecast.assertResumesAfterKill(["prices.csv", "--epochs", "30"])
    }
}
