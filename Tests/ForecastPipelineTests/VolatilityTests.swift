import Foundation
import Plexus
import XCTest
@testable import ForecastPipeline

/// GARCH against `arch`, the optimiser, the variance baselines and metrics by hand.
final class VolatilityTests: XCTestCase {
    struct ArchFixture: Decodable {
        struct Fit: Decodable {
            let name: String
            let returns: [Double]
            let mu, omega, alpha, beta: Double
            let logLikelihood: Double
            let converged: Bool

            enum CodingKeys: String, CodingKey {
                case name, returns, mu, omega, alpha, beta, converged
                case logLikelihood = "log_likelihood"
            }
        }
        let fits: [Fit]
    }

    /// tools/make_garch_fixture.py: arch 8.0.0's GARCH(1,1) fits of 1,500 S&P 500 and WTI returns.
    func testGarchMatchesArch() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/garch.json")
        let fixture = try JSONDecoder().decode(ArchFixture.self, from: Data(contentsOf: url))
        XCTAssertEqual(fixture.fits.count, 2)
        for fit in fixture.fits {
            XCTAssertTrue(fit.converged, fit.name)
            let ours = Garch.fit(fit.returns)
            for (name, value, expected) in [("mu", ours.mu, fit.mu), ("omega", ours.omega, fit.omega), ("alpha", ours.alpha, fit.alpha),
                                            ("beta", ours.beta, fit.beta)] {
                XCTAssertEqual(value, expected, accuracy: 1e-3 * abs(expected), "\(fit.name) \(name)")
            }
            XCTAssertEqual(ours.logLikelihood(fit.returns), fit.logLikelihood, accuracy: 1e-4 * abs(fit.logLikelihood), fit.name)
            // Our maximum is at least as high as arch's: arch's parameters in our likelihood give no more.
            let archModel = Garch(mu: fit.mu, omega: fit.omega, alpha: fit.alpha, beta: fit.beta, backcast: Garch.backcast(fit.returns))
            XCTAssertEqual(archModel.logLikelihood(fit.returns), fit.logLikelihood, accuracy: 1e-8 * abs(fit.logLikelihood), "\(fit.name): same likelihood")
            XCTAssertGreaterThanOrEqual(ours.logLikelihood(fit.returns), fit.logLikelihood - 1e-6, fit.name)
        }
    }

    func testNelderMeadFindsRosenbrocksMinimum() {
        let result = NelderMead.minimise({ x in 100 * pow(x[1] - x[0] * x[0], 2) + pow(1 - x[0], 2) }, start: [-1.2, 1])
        XCTAssertEqual(result.point[0], 1, accuracy: 1e-5)
        XCTAssertEqual(result.point[1], 1, accuracy: 1e-5)
        XCTAssertLessThan(result.value, 1e-10)
    }

    func testGarchRecursionAndForecastByHand() {
        let returns = [1.0, -2.0]
        // Backcast: mean −0.5, squared deviations 2.25 and 2.25, so 2.25 whatever the weights.
        XCTAssertEqual(Garch.backcast(returns), 2.25, accuracy: 1e-12)
        let model = Garch(mu: 0.5, omega: 0.1, alpha: 0.2, beta: 0.7, backcast: 2.0)
        // σ²₀ = 0.1 + 0.2·2 + 0.7·2 = 1.9; σ²₁ = 0.1 + 0.2·(1 − 0.5)² + 0.7·1.9 = 1.48; σ²₂ = 0.1 + 0.2·6.25 + 0.7·1.48 = 2.386.
        let sigma2 = model.variances(returns)
        XCTAssertEqual(sigma2[0], 1.9, accuracy: 1e-12)
        XCTAssertEqual(sigma2[1], 1.48, accuracy: 1e-12)
        XCTAssertEqual(sigma2[2], 2.386, accuracy: 1e-12)
        let expected = -0.5 * (2 * log(2 * Double.pi) + log(1.9) + 0.25 / 1.9 + log(1.48) + 6.25 / 1.48)
        XCTAssertEqual(model.logLikelihood(returns), expected, accuracy: 1e-12)
        // Then E σ² = 0.1 + 0.9 · previous.
        let ahead = model.forecast(after: 2.386, horizon: 3)
        XCTAssertEqual(ahead[1], 0.1 + 0.9 * 2.386, accuracy: 1e-12)
        XCTAssertEqual(ahead[2], 0.1 + 0.9 * (0.1 + 0.9 * 2.386), accuracy: 1e-12)
    }

    func testBaselinesByHand() {
        let daily = DailyVariance(proxy: .squaredReturns, values: [0, 4, 1, 9, 16], returns: [0, 2, -1, 3, 4])
        XCTAssertEqual(daily.realised(origin: 1, horizon: 2), 10)
        // Historical mean at origin 3: (4 + 1 + 9) / 3 per day, times 2 days.
        XCTAssertEqual(HistoricalMeanForecaster().forecast(daily, origins: [3], horizon: 2), [2 * 14 / 3.0])
        // EWMA: v₁ = 4, v₂ = 0.94·4 + 0.06·1, v₃ = 0.94·v₂ + 0.06·9.
        let v2 = 0.94 * 4 + 0.06 * 1.0, v3 = 0.94 * v2 + 0.06 * 9
        let ewma = EwmaForecaster().forecast(daily, origins: [2, 3], horizon: 2)
        XCTAssertEqual(ewma[0], 2 * v2, accuracy: 1e-12)
        XCTAssertEqual(ewma[1], 2 * v3, accuracy: 1e-12)
    }

    func testVolatilityMetricsByHand() throws {
        // Actual 1, 2, 3; forecast 1, 1, 2.
        let rows = VolatilityMetrics.compute(actual: [1, 2, 3], predicted: [1, 1, 2])
        let qlike = ((1 - log(1.0) - 1) + (2 - log(2.0) - 1) + (1.5 - log(1.5) - 1)) / 3
        XCTAssertEqual(rows["qlike"]!, qlike, accuracy: 1e-12)
        XCTAssertEqual(rows["mse"]!, (0 + 1 + 1) / 3.0, accuracy: 1e-12)
        // Mincer–Zarnowitz: f̄ = 4/3, ā = 2; Σ(f − f̄)² = 2/3, Σ(f − f̄)(a − ā) = 1; slope 1.5, intercept 0; R² = 1 / (2/3 · 2) = 0.75.
        XCTAssertEqual(rows["mz_slope"]!, 1.5, accuracy: 1e-12)
        XCTAssertEqual(rows["mz_intercept"]!, 0, accuracy: 1e-12)
        XCTAssertEqual(rows["mz_r2"]!, 0.75, accuracy: 1e-12)
        // QLIKE is 0 for a perfect forecast and penalises under-prediction more than over-prediction by the same factor.
        XCTAssertEqual(VolatilityMetrics.qlike(actual: 2, predicted: 2), 0, accuracy: 1e-15)
        XCTAssertGreaterThan(VolatilityMetrics.qlike(actual: 2, predicted: 1), VolatilityMetrics.qlike(actual: 1, predicted: 2))

        // The Diebold–Mariano p-value against GARCH: differentials of QLIKE, here with h = 1 (no lags).
        let actual = [1.0, 2, 3, 2]
        let garch = zip(0..<4, [1.0, 2, 3, 2]).map { HorizonForecast(model: "garch", origin: $0, predicted: $1, actual: actual[$0]) }
        let other = zip(0..<4, [2.0, 1, 3, 1]).map { HorizonForecast(model: "net", origin: $0, predicted: $1, actual: actual[$0]) }
        let differentials = (0..<4).map { VolatilityMetrics.qlike(actual: actual[$0], predicted: other[$0].predicted) }
        let table = VolatilityMetrics.table(garch + other, horizon: 1)
        XCTAssertEqual(table["net.dm_p_value"]!, try XCTUnwrap(ForecastMetrics.dieboldMariano(differentials: differentials, horizon: 1)), accuracy: 1e-15)
        XCTAssertNil(table["garch.dm_p_value"])
        XCTAssertEqual(table["garch.qlike"]!, 0, accuracy: 1e-15)
    }
}

/// The value-at-risk backtests and the pinball loss, by hand and against scipy's χ² quantiles.
final class QuantileMetricsTests: XCTestCase {
    func testChiSquaredPValuesAtScipysCriticalValues() {
        // scipy.stats.chi2.ppf(0.95, 1) and chi2.ppf(0.95, 2).
        XCTAssertEqual(QuantileMetrics.chiSquaredPValue(3.841458820694124, degrees: 1), 0.05, accuracy: 1e-12)
        XCTAssertEqual(QuantileMetrics.chiSquaredPValue(5.991464547107979, degrees: 2), 0.05, accuracy: 1e-12)
        XCTAssertEqual(QuantileMetrics.chiSquaredPValue(6.634896601021213, degrees: 1), 0.01, accuracy: 1e-12)
    }

    func testKupiecAndChristoffersenByHand() {
        // 10 hits in 100 at the 5% level.
        let kupiec = -2 * (90 * log(0.95) + 10 * log(0.05) - 90 * log(0.9) - 10 * log(0.1))
        XCTAssertEqual(QuantileMetrics.kupiecStatistic(hits: 10, count: 100, level: 0.05), kupiec, accuracy: 1e-12)
        XCTAssertEqual(QuantileMetrics.kupiecStatistic(hits: 5, count: 100, level: 0.05), 0, accuracy: 1e-12)
        XCTAssertEqual(QuantileMetrics.kupiecStatistic(hits: 0, count: 100, level: 0.05), -2 * 100 * log(0.95), accuracy: 1e-12)
        // Hits F T T F F F T F: transitions 00 ×2, 01 ×2, 10 ×2, 11 ×1; π₀ = 1/2, π₁ = 1/3, π = 3/7.
        let hits = [false, true, true, false, false, false, true, false]
        let restricted = 4 * log(4.0 / 7) + 3 * log(3.0 / 7)
        let unrestricted = 2 * log(0.5) + 2 * log(0.5) + 2 * log(2.0 / 3) + log(1.0 / 3)
        XCTAssertEqual(QuantileMetrics.independenceStatistic(hits), -2 * (restricted - unrestricted), accuracy: 1e-12)

        let actual = hits.map { $0 ? -1.0 : 1.0 }
        let rows = QuantileMetrics.compute(actual: actual, predicted: [Double](repeating: 0, count: 8), level: 0.05)
        XCTAssertEqual(rows["coverage"]!, 3.0 / 8, accuracy: 1e-15)
        // Pinball at τ = 0.05: 0.05 · 1 above the quantile, 0.95 · 1 below it.
        XCTAssertEqual(rows["pinball"]!, (5 * 0.05 + 3 * 0.95) / 8, accuracy: 1e-12)
    }

    func testPinballLossOfTheEngine() {
        let prediction = Tensor(shape: [2, 2], scalars: [1, 3, 2, 2])
        let target = Tensor(shape: [2, 2], scalars: [2, 2, 2, 2])
        // Levels 0.1 and 0.9: (0.1·1 + 0.1·1 + 0 + 0) / 4, the second column 0.1 for the over-prediction by 1.
        XCTAssertEqual(Loss.pinball(prediction, target, levels: [0.1, 0.9]).item, (0.1 + 0.1) / 4, accuracy: 1e-6)
        XCTAssertThrowsError(try QuantileLevels(parsing: "0.5,0.5"))
        XCTAssertEqual(try QuantileLevels(parsing: " 0.01, 0.5").values, [0.01, 0.5])
    }
}
