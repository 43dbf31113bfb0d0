import XCTest
@testable import Plexus

/// The multi-process hooks are called where documented, and change the numbers only through what they return.
final class TrainerHooksTests: XCTestCase {
    func testGradientHookRunsEveryBatchBeforeTheStep() throws {
        let plain = SmallRun(.adamCosine)
        let expected = try plain.fit()

        let scaled = SmallRun(.adamCosine)
        var batchSizes: [Int] = []
        scaled.trainer.hooks.gradientsComputed = { parameters, batchSize, loss in
            batchSizes.append(batchSize)
            for parameter in parameters { parameter.grad = parameter.grad.map { $0 * Tensor(1) } }
            return loss
        }
        XCTAssertEqual(historyBits(try scaled.fit()), historyBits(expected))
        XCTAssertEqual(scaled.weightBits, plain.weightBits)
        XCTAssertEqual(batchSizes, Array(repeating: [16, 16, 16, 16, 8], count: 8).flatMap { $0 })

        // Zero gradients reach the optimizer: Adam then leaves every parameter where it started.
        let zeroed = SmallRun(.adamCosine)
        let initial = zeroed.trainer.model.namedParameters().map { ($0.name, $0.tensor.scalars.map(\.bitPattern)) }
        zeroed.trainer.hooks.gradientsComputed = { parameters, _, loss in
            for parameter in parameters { parameter.grad = Tensor.zeros(parameter.shape) }
            return loss
        }
        XCTAssertNotEqual(historyBits(try zeroed.fit()), historyBits(expected))
        for (name, bits) in initial { XCTAssertEqual(zeroed.weightBits[name], bits, name) }
    }

    func testTotalsHookSeesSumsAndCountsBeforeTheMeans() throws {
        let expected = try SmallRun(.adamCosine).fit()

        // Two identical processes: summed totals give the same means.
        let doubled = SmallRun(.adamCosine)
        var seen: [(LossTotals, TrainingHooks.Phase)] = []
        doubled.trainer.hooks.aggregateTotals = { totals, phase in
            seen.append((totals, phase))
            return LossTotals(loss: 2 * totals.loss, metrics: totals.metrics.map { 2 * $0 }, count: 2 * totals.count)
        }
        let history = try doubled.fit()
        XCTAssertEqual(historyBits(history), historyBits(expected))
        XCTAssertEqual(seen.map(\.1), Array(repeating: [.training, .validation], count: 8).flatMap { $0 })
        XCTAssertEqual(seen.map(\.0.count), Array(repeating: [72, 24], count: 8).flatMap { $0 })
        // Training metrics are not measured when validation supplies them.
        XCTAssertEqual(seen.map(\.0.metrics.count), Array(repeating: [0, 1], count: 8).flatMap { $0 })
        XCTAssertEqual(seen[1].0.loss / 24, history.epochs[0].validationLoss)

        let changed = SmallRun(.adamCosine)
        changed.trainer.hooks.aggregateTotals = { totals, phase in
            phase == .training ? LossTotals(loss: 0, metrics: totals.metrics, count: totals.count) : totals
        }
        XCTAssertEqual(Set(try changed.fit().epochs.map(\.trainLoss)), [0])
    }

    func testStoppingHookDecidesForTheRun() throws {
        let expected = try SmallRun(.sgdPlateauEarlyStopping).fit()

        let overruled = SmallRun(.sgdPlateauEarlyStopping)
        var decisions: [StoppingDecision] = []
        overruled.trainer.hooks.decideStopping = { decisions.append($0); return false }
        let history = try overruled.fit()
        XCTAssertEqual(Array(historyBits(history).prefix(7)), Array(historyBits(expected).prefix(7)))
        XCTAssertFalse(history.stoppedEarly)
        XCTAssertEqual(history.epochs.count, 12)
        XCTAssertEqual(decisions.map(\.epoch), Array(1...12))
        XCTAssertEqual(decisions.firstIndex { $0.stop }, 6)
        XCTAssertEqual(decisions.map(\.monitored), history.epochs.map(\.validationLoss))
        XCTAssertEqual(decisions[6].epochsWithoutImprovement, 3)
        XCTAssertEqual(decisions[6].best, expected.epochs[3].validationLoss)

        let stopNow = SmallRun(.sgdPlateauEarlyStopping)
        stopNow.trainer.hooks.decideStopping = { _ in true }
        let stopped = try stopNow.fit()
        XCTAssertTrue(stopped.stoppedEarly)
        XCTAssertEqual(stopped.epochs.count, 1)
    }
}
