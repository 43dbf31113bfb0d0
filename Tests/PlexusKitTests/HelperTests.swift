import PlexusKit
import XCTest

final class HelperTests: XCTestCase {
    func testQuantileMatchesNumpy() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.05, 0.5, 0.95]) = [1.2, 3.0, 8.8]
        let sorted = [1.0, 2, 3, 4, 10]
        XCTAssertEqual(Statistics.quantile(sorted, 0.05), 1.2, accuracy: 1e-12)
        XCTAssertEqual(Statistics.quantile(sorted, 0.5), 3)
        XCTAssertEqual(Statistics.quantile(sorted, 0.95), 8.8, accuracy: 1e-12)
    }

    func testJoinDoesNotDoubleTheSlash() {
        XCTAssertEqual(Paths.join("data/", "a.png"), "data/a.png")
        XCTAssertEqual(Paths.join("data", "a.png"), "data/a.png")
    }
}
