import PlexusFormats
import XCTest
@testable import ClusterPipeline

/// Features computed by hand on a five-event log (2024-01-01 is a Monday).
final class FeatureTests: XCTestCase {
    let log = """
        user_id,timestamp,event,amount,category
        a,2024-01-01 10:00:00,view,,books
        a,2024-01-06 20:00:00,purchase,30,books
        a,2024-01-11 09:00:00,purchase,10,music
        b,2024-01-10 13:00:00,view,,music
        c,2024-01-02 23:30:00,purchase,5.5,books

        """

    func load(asOf: EventTime? = nil) throws -> UserFeatures {
        let path = write(log, to: "tiny.csv", in: temporaryDirectory())
        guard case .events(let events) = try UserInput.load(path: path, columns: ColumnOptions()).input else {
            XCTFail("read as a table")
            throw ClusterError("not an event log")
        }
        XCTAssertEqual(events.columns.description,
                       "user=user_id (guessed), time=timestamp (guessed), amount=amount (guessed), event=event (guessed), category=category (guessed)")
        return try FeatureBuilder.fit(events, asOf: asOf)
    }

    func testFeaturesByHand() throws {
        let features = try load()
        XCTAssertEqual(features.names, [
            "recency_days", "frequency", "monetary_total", "monetary_mean", "tenure_days", "mean_gap_days", "gap_cv",
            "weekend_share", "night_share", "morning_share", "afternoon_share", "evening_share",
            "event_purchase_share", "event_view_share", "category_books_share", "category_music_share",
        ])
        XCTAssertEqual(features.userIDs, ["a", "b", "c"])
        // Shares are smoothed with 5 pseudo-events at the population's shares: weekend 1/5; night 0, morning 2/5,
        // afternoon 1/5, evening 2/5; purchase 3/5, view 2/5; books 3/5, music 2/5.
        let gapsA = [5 + 10 / 24.0, 4 + 13 / 24.0]
        let meanGapA = (gapsA[0] + gapsA[1]) / 2
        let expected: [[Double]] = [
            [0, 3, 40, 20, 9 + 23 / 24.0, meanGapA, abs(gapsA[0] - gapsA[1]) / 2 / meanGapA,
             2 / 8.0, 0, 4 / 8.0, 1 / 8.0, 3 / 8.0, 5 / 8.0, 3 / 8.0, 5 / 8.0, 3 / 8.0],
            [20 / 24.0, 1, 0, 0, 20 / 24.0, 20 / 24.0, 0,
             1 / 6.0, 0, 2 / 6.0, 2 / 6.0, 2 / 6.0, 3 / 6.0, 3 / 6.0, 3 / 6.0, 3 / 6.0],
            [8 + 9.5 / 24, 1, 5.5, 5.5, 8 + 9.5 / 24, 8 + 9.5 / 24, 0,
             1 / 6.0, 0, 2 / 6.0, 1 / 6.0, 3 / 6.0, 4 / 6.0, 2 / 6.0, 4 / 6.0, 2 / 6.0],
        ]
        for (user, row) in expected.enumerated() {
            for (column, value) in row.enumerated() {
                assertClose(features.values[user, column], value, 1e-9, "user \(features.userIDs[user]) \(features.names[column])")
            }
        }
        XCTAssertEqual(features.revenue, [40, 0, 5.5])

        // Shares are centred but measured in units of one event's spread, √(p(1−p)), and never log-transformed.
        let scaler = try Scaler.fit(features, source: "features.csv")
        let weekend = features.names.firstIndex(of: "weekend_share")!, purchase = features.names.firstIndex(of: "event_purchase_share")!
        XCTAssertEqual(scaler.scales[weekend], (0.2 * 0.8).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(scaler.scales[purchase], (0.6 * 0.4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(scaler.scales[features.names.firstIndex(of: "night_share")!], 1)  // no night events: constant
        XCTAssertEqual(scaler.means[weekend], (2 / 8.0 + 1 / 6.0 + 1 / 6.0) / 3, accuracy: 1e-12)
        XCTAssertFalse(zip(features.names, scaler.logged).contains { $0.hasSuffix("_share") && $1 })
    }

    func testAsOfLeavesLaterEventsOut() throws {
        let features = try load(asOf: EventTime.parse("2024-01-07"))
        XCTAssertEqual(features.userIDs, ["a", "c"])
        XCTAssertEqual(features.eventsAfterAsOf, 2)
        assertClose(features.values[0, 0], 1 - 20 / 24.0)  // a's last event: Saturday 20:00
        assertClose(features.values[0, 1], 2)
    }

    func testSkewedFeaturesAreLogTransformedThenStandardised() throws {
        let values = Matrix([[1, 5], [2, 5], [3, 5], [100, 5]].map { $0.map(Double.init) })
        let features = UserFeatures(userIDs: ["a", "b", "c", "d"], names: ["visits", "constant"], values: values, revenue: nil,
                                    schema: nil, asOf: nil, eventsAfterAsOf: 0)
        let scaler = try Scaler.fit(features, source: "features.csv")
        XCTAssertEqual(scaler.logged, [true, false])
        let standardized = scaler.transform(values)
        let logs = [1.0, 2, 3, 100].map { Foundation.log1p($0) }
        let mean = logs.reduce(0, +) / 4
        let std = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4).squareRoot()
        for row in 0..<4 {
            assertClose(standardized[row, 0], (logs[row] - mean) / std)
            XCTAssertEqual(standardized[row, 1], 0)  // a constant feature carries no weight
        }
        XCTAssertEqual(try Scaler.decode(scaler.encoded(), source: "test"), scaler)
    }

    func testTimestampForms() throws {
        let day = CivilCalendar.days(year: 1997, month: 1, day: 1)
        XCTAssertEqual(Double(day) * 86_400, 852_076_800)
        for text in ["1997-01-01", "1997/1/1", "19970101", " 1997-01-01 "] {
            XCTAssertEqual(EventTime.parse(text), EventTime(seconds: 852_076_800, localDay: day, localHour: nil), text)
        }
        XCTAssertEqual(EventTime.parse("852076800")?.seconds, 852_076_800)
        XCTAssertEqual(EventTime.parse("852076800000")?.seconds, 852_076_800)
        let zoned = try XCTUnwrap(EventTime.parse("2024-03-05T14:30:15.5+01:00"))
        XCTAssertEqual(zoned.iso8601, "2024-03-05T13:30:15Z")
        XCTAssertEqual(zoned.localHour, 14)
        XCTAssertEqual(zoned.weekday, 1)  // Tuesday
        XCTAssertEqual(EventTime.parse("2024-03-05 23:59Z")?.weekday, 1)
        XCTAssertEqual(CivilCalendar.isoDate(days: CivilCalendar.days(year: 2000, month: 2, day: 29)), "2000-02-29")
        for bad in ["", "17/03/1997", "2024-02-30", "2023-02-29", "2024-03-05 25:00", "2024-03-05T10", "yesterday", "1997-01-01x", "1234567"] {
            XCTAssertNil(EventTime.parse(bad), bad)
        }
    }

    /// A table with one row per user and no time column is taken as the features themselves.
    func testPerUserTable() throws {
        let path = write("customer_id,visits,revenue\nx,3,10\ny,1,0\nz,8,120\n", to: "table.csv", in: temporaryDirectory())
        guard case .table(let table) = try UserInput.load(path: path, columns: ColumnOptions()).input else {
            return XCTFail("read as an event log")
        }
        XCTAssertEqual(table.columns.description, "user=customer_id (guessed), time=none, amount=revenue (guessed), event=none, category=none")
        XCTAssertEqual(table.featureNames, ["visits", "revenue"])
        XCTAssertEqual(table.revenue, [10, 0, 120])
        XCTAssertEqual(table.values, Matrix([[3, 10], [1, 0], [8, 120]]))
    }
}
