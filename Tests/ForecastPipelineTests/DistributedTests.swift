import CommandTesting
import XCTest

/// `mpirun -np 2 forecast …`: two processes train the LSTM one process trains with the same global batch.
final class ForecastDistributedTests: XCTestCase {
    /// An LSTM without dropout, clipped after the gradients are averaged, validated on windows split over the ranks.
    private static let lstm = """
        model:
          input: [10, 1]
          layers:
            - lstm: {units: 8}
            - linear: {units: 3}
        training: {epochs: 4, batch_size: 36, optimizer: adam, learning_rate: 0.01, loss: mse, clip_norm: 1.0, validation_split: 0.2}
        """

    func testTwoProcessesTrainTheLSTMOfOne() throws {
        let forecast = try CommandInFolder("forecast", for: self)
        let (dates, prices) = syntheticSeries(days: 300, seed: 3)
        try write(yahooCSV(dates: dates, prices: prices), to: forecast.directory + "/prices.csv")
        try write(Self.lstm, to: forecast.directory + "/lstm.yml")
        let arguments = ["prices.csv", "--pipeline", "lstm.yml", "--window", "10", "--horizon", "3", "--test-fraction", "0.25"]
        let single = try Commands.run("forecast", arguments + ["--db", "one.db", "--out", "one"], in: forecast.directory)
        XCTAssertEqual(single.status, 0, single.stderr)
        let pair = try Commands.runUnderMPI("forecast", arguments + ["--db", "two.db", "--out", "two"], in: forecast.directory)
        XCTAssertEqual(pair.status, 0, pair.stderr + pair.stdout)

        let one = forecast.directory + "/one.db", two = forecast.directory + "/two.db"
        XCTAssertEqual(try Commands.texts("select status || ' ' || world_size from runs", in: two), ["completed 2"])
        let difference = Commands.relativeDifference(try Commands.storedWeights(in: one), try Commands.storedWeights(in: two))
        print("forecast LSTM, 4 epochs of 5 batches, 2 ranks against 1 process: relative weight difference \(difference)")
        XCTAssertLessThan(difference, 1e-5)
        let metrics = "select name || ' ' || printf('%.5f', value) from metrics where name like 'lstm.%' order by name"
        XCTAssertEqual(try Commands.texts(metrics, in: two), try Commands.texts(metrics, in: one))
    }
}
