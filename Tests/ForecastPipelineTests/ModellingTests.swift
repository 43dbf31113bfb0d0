import Foundation
import XCTest
@testable import ForecastPipeline

final class SplitTests: XCTestCase {
    func testOriginsOfEachPart() throws {
        // 40 prices, 25% test: test prices 30…39; origins 29…36 forecast 3 days each, all inside the data.
        let split = try XCTUnwrap(SeriesSplit(count: 40, testFraction: 0.25, window: 10, horizon: 3, validationFraction: 0.25))
        XCTAssertEqual(split.testStart, 30)
        XCTAssertEqual(split.testOrigins, Array(29...36))
        // Training part p0…p29: origins 10…26 have their window (r1…) and targets (≤ p29) inside it.
        // 17 origins, the last 4 for validation (23…26), fit origins stop 3 days before: 10…20.
        let origins = try XCTUnwrap(TrainingOrigins(end: 30, window: 10, horizon: 3, validationFraction: 0.25))
        XCTAssertEqual(origins.validation, Array(23...26))
        XCTAssertEqual(origins.fit, Array(10...20))
        XCTAssertLessThanOrEqual(origins.fit.last! + 3, origins.validation.first!)
    }

    func testMinimumCountIsTheFirstThatWorks() {
        let needed = SeriesSplit.minimumCount(testFraction: 0.2, window: 60, horizon: 5, validationFraction: 0.2)
        XCTAssertNotNil(SeriesSplit(count: needed, testFraction: 0.2, window: 60, horizon: 5, validationFraction: 0.2))
        XCTAssertNil(SeriesSplit(count: needed - 1, testFraction: 0.2, window: 60, horizon: 5, validationFraction: 0.2))
        XCTAssertEqual(needed, 89)  // 71 training prices (p0…p60 for one fit window, 5 days to one validation origin, its 5 target days), 18 test prices
    }
}

final class ScalerTests: XCTestCase {
    func testFitsOnTheTrainingPartOnly() {
        let prices = [100.0, 101, 99, 102, 103, 500, 1]
        let scaler = SeriesScaler(fitting: prices, end: 5, target: .returns)
        let returns = (1..<5).map { log(prices[$0] / prices[$0 - 1]) }
        let mean = returns.reduce(0, +) / 4
        XCTAssertEqual(scaler.mean, mean, accuracy: 1e-15)
        XCTAssertEqual(scaler.std, (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(SeriesScaler(fitting: prices.prefix(5) + [7, 8], end: 5, target: .returns), scaler)
    }

    func testReturnsRoundTripToPrices() {
        let prices = [100.0, 110, 99, 120]
        let scaler = SeriesScaler(fitting: prices, end: 4, target: .returns)
        let scaled = scaler.scaled(prices)
        XCTAssertEqual(Array(Windows.input(scaled, origin: 2, window: 2)), Array(scaled[1...2]))
        let back = scaler.prices(fromOutput: Windows.targets(scaled, origin: 1, horizon: 2), originPrice: 110)
        XCTAssertEqual(back[0], 99, accuracy: 1e-3)
        XCTAssertEqual(back[1], 120, accuracy: 1e-3)

        let priceScaler = SeriesScaler(fitting: prices, end: 4, target: .price)
        XCTAssertEqual(priceScaler.mean, 107.25)
        let values = priceScaler.prices(fromOutput: Windows.targets(priceScaler.scaled(prices), origin: 0, horizon: 3), originPrice: 0)
        for (a, b) in zip(values, [110.0, 99, 120]) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }
}

final class BaselineTests: XCTestCase {
    let prices = [10.0, 12, 11, 14, 13]

    func testNaiveDriftAndMovingAverage() {
        XCTAssertEqual(NaiveForecaster().forecast(prices, origins: [2, 4], horizon: 2), [[11, 11], [13, 13]])
        // Drift at origin 4: slope (13 − 10) / 4 = 0.75.
        XCTAssertEqual(DriftForecaster().forecast(prices, origins: [4], horizon: 3), [[13.75, 14.5, 15.25]])
        XCTAssertEqual(MovingAverageForecaster(window: 3).forecast(prices, origins: [3, 1], horizon: 1), [[37.0 / 3], [11]])
    }
}

final class EvaluationTests: XCTestCase {
    func testIntervalsFromResidualQuantiles() {
        let additive = IntervalCalibration(forecasts: [[10], [10], [10]], actuals: [[9], [10], [13]], level: 0.5, multiplicative: false)
        XCTAssertEqual(additive.lower, [-0.5])
        XCTAssertEqual(additive.upper, [1.5])
        XCTAssertEqual(additive.interval(20, step: 0).lower, 19.5)
        let multiplicative = IntervalCalibration(forecasts: [[100]], actuals: [[110]], level: 0.9, multiplicative: true)
        XCTAssertEqual(multiplicative.interval(200, step: 0).upper, 220, accuracy: 1e-9)
    }

    func testMetricsByHand() {
        let prices = [100.0, 102, 101, 104]
        // Origin 1 (price 102): forecasts of p2 = 101 and p3 = 104.
        let points = [
            ForecastPoint(model: "m", origin: 1, horizon: 1, predicted: 103, lower: 100, upper: 104),  // error −2, wrong direction
            ForecastPoint(model: "m", origin: 1, horizon: 2, predicted: 106, lower: 105, upper: 107),  // error −2, right direction, missed
        ]
        let scale = ForecastMetrics.naiveScale(prices, end: 3)  // (2 + 1) / 2
        XCTAssertEqual(scale, 1.5)
        let metrics = ForecastMetrics.compute(points, prices: prices, scale: scale)
        XCTAssertEqual(metrics["mae"], 2)
        XCTAssertEqual(metrics["rmse"], 2)
        XCTAssertEqual(metrics["mape"]!, 50 * (2.0 / 101 + 2.0 / 104), accuracy: 1e-12)
        XCTAssertEqual(metrics["smape"]!, 50 * (4.0 / 204 + 4.0 / 210), accuracy: 1e-12)
        XCTAssertEqual(metrics["mase"]!, 2 / 1.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["hit_rate"], 0.5)
        XCTAssertEqual(metrics["coverage"], 0.5)
        XCTAssertEqual(metrics["interval_width"], 3)
        let table = ForecastMetrics.table(points, prices: prices, scale: scale)
        XCTAssertEqual(table["m.mae.h1"], 2)
        XCTAssertEqual(table["m.hit_rate.h2"], 1)
        XCTAssertEqual(table["m.mae"], 2)
        // A forecast that never moves has no direction to score.
        let flat = ForecastMetrics.compute([ForecastPoint(model: "naive", origin: 1, horizon: 1, predicted: 102, lower: 101, upper: 103)],
                                           prices: prices, scale: scale)
        XCTAssertNil(flat["hit_rate"])
    }

    func testDieboldMarianoByHand() throws {
        // One-day forecasts at origins 0…3 of a price that stays at 10: model a misses by 1, 2, 0, 1; b never misses.
        // Differentials 1, 2, 0, 1: mean 1, variance 0.5, statistic 1 / √(0.5 / 4) = 2√2, p = erfc(2).
        let prices = [0.0, 10, 10, 10, 10]
        let a = zip(0..<4, [11.0, 12, 10, 11]).map { ForecastPoint(model: "a", origin: $0, horizon: 1, predicted: $1, lower: 0, upper: 0) }
        let b = (0..<4).map { ForecastPoint(model: "naive", origin: $0, horizon: 1, predicted: 10, lower: 0, upper: 0) }
        XCTAssertEqual(try XCTUnwrap(ForecastMetrics.dieboldMariano(a, b, prices: prices)), erfc(2), accuracy: 1e-12)
        XCTAssertEqual(ForecastMetrics.dieboldMariano(b, a, prices: prices), ForecastMetrics.dieboldMariano(a, b, prices: prices))
        XCTAssertNil(ForecastMetrics.dieboldMariano(b, b, prices: prices))
        XCTAssertEqual(ForecastMetrics.table(a + b, prices: prices, scale: 1)["a.dm_p_value"]!, erfc(2), accuracy: 1e-12)
        XCTAssertNil(ForecastMetrics.table(a + b, prices: prices, scale: 1)["naive.dm_p_value"])
    }
}
