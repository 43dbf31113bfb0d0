import Foundation
import PlexusFormats
import XCTest
@testable import ForecastPipeline

final class PriceDateTests: XCTestCase {
    func testAcceptsTheFormatsOfCommonExports() {
        let day = PriceDate(year: 2018, month: 12, day: 31)
        XCTAssertEqual(PriceDate.parse("2018-12-31"), day)
        XCTAssertEqual(PriceDate.parse("12/31/2018"), day)
        XCTAssertEqual(PriceDate.parse("1/4/1999"), PriceDate(year: 1999, month: 1, day: 4))
        XCTAssertEqual(PriceDate.parse("2018-12-31 00:00:00"), day)
        XCTAssertEqual(PriceDate.parse("2018-12-31T00:00:00Z"), day)
        XCTAssertEqual(PriceDate.parse("2018-12-31 16:30:05.250-05:00"), PriceDate(year: 2018, month: 12, day: 31, seconds: 16 * 3600 + 30 * 60 + 5))
        XCTAssertEqual(PriceDate.parse("12/31/2018 09:30"), PriceDate(year: 2018, month: 12, day: 31, seconds: 9 * 3600 + 30 * 60))
        for bad in ["", "2018-13-01", "2019-02-29", "2/30/2020", "31.12.2018", "18-12-31", "2018-12-31 25:00", "12/31/18", "yesterday"] {
            XCTAssertNil(PriceDate.parse(bad), bad)
        }
        XCTAssertNotNil(PriceDate.parse("2020-02-29"))
    }

    func testCalendarArithmetic() {
        XCTAssertEqual(PriceDate(day: 0).description, "1970-01-01")
        XCTAssertEqual(PriceDate(year: 2000, month: 3, day: 1).day - PriceDate(year: 2000, month: 2, day: 28).day, 2)
        XCTAssertEqual(PriceDate(year: 2018, month: 12, day: 31).weekday, 0)  // a Monday
        let friday = PriceDate(year: 2019, month: 1, day: 4)
        XCTAssertEqual(friday.addingWeekdays(1).description, "2019-01-07")
        XCTAssertEqual(friday.addingWeekdays(6).description, "2019-01-14")
        XCTAssertEqual(PriceDate(year: 2020, month: 1, day: 2, seconds: 3661).description, "2020-01-02 01:01:01")
        for day in stride(from: -800_000, to: 800_000, by: 997) {
            let (y, m, d) = CivilCalendar.date(days: day)
            XCTAssertEqual(CivilCalendar.days(year: y, month: m, day: d), day)
        }
    }
}

final class PriceFileTests: XCTestCase {
    func parse(_ text: String, path: String = "prices.csv", _ options: IngestOptions = IngestOptions()) throws -> PriceFile {
        try PriceFile(table: try CSV.parse(text, path: path), options: options, sha256: "")
    }

    func assertError(_ text: String, options: IngestOptions = IngestOptions(), _ expected: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text, options), file: file, line: line) { error in
            XCTAssertEqual("\(error)", expected, file: file, line: line)
        }
    }

    func testYahooExportSortedFilledAndNamedAfterTheFile() throws {
        let file = try parse("""
            Date,Open,High,Low,Close,Adj Close,Volume
            2020-01-03,1,1,1,10.5,10,100
            2020-01-01,1,1,1,null,,100
            2020-01-02,1,1,1,9.5,9,100
            2020-01-06,1,1,1,12,NaN,
            2020-01-07,1,1,1,13,13,100
            """, path: "data/spy.csv")
        XCTAssertEqual(file.layout, .single)
        let series = try XCTUnwrap(file.series.first)
        XCTAssertEqual(series.ticker, "spy")
        XCTAssertEqual(series.priceColumn, "Adj Close")
        XCTAssertEqual(series.priceField, .adjClose)
        XCTAssertEqual(series.dates.map(\.description), ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"])
        XCTAssertEqual(series.prices, [9, 10, 10, 13])
        XCTAssertEqual(series.filled, 1)
        XCTAssertEqual(series.droppedLeading, 1)
        // The table keeps what the file said: NULL where the value was missing.
        XCTAssertEqual(series.fields[.adjClose]!, [9, 10, nil, 13])
        XCTAssertEqual(series.fields[.volume]!, [100, 100, nil, 100])
        XCTAssertEqual(series.fields[.close]!, [9.5, 10.5, 12, 13])
    }

    func testCloseWhenThereIsNoAdjustedCloseAndExplicitColumns() throws {
        let text = "date,OPEN,close\n1/2/2020,1,5\n1/3/2020,2,6\n"
        XCTAssertEqual(try parse(text).series[0].prices, [5, 6])
        XCTAssertEqual(try parse(text).series[0].priceColumn, "close")
        let open = try parse(text, IngestOptions(priceColumn: "open")).series[0]
        XCTAssertEqual(open.prices, [1, 2])
        XCTAssertEqual(open.priceField, .open)
        let custom = try parse("When,Last\n2020-01-02,7\n2020-01-03,8\n", IngestOptions(priceColumn: "last", dateColumn: "when")).series[0]
        XCTAssertEqual(custom.ticker, "Last")
        XCTAssertEqual(custom.priceField, .close)
    }

    func testLongFormatOneSeriesPerTicker() throws {
        let file = try parse("""
            Date,Symbol,Close
            2020-01-02,AAA,1
            2020-01-02,BBB,10
            2020-01-03,BBB,11
            2020-01-03,AAA,2
            2020-01-06,AAA,3
            """)
        XCTAssertEqual(file.layout, .long(tickerColumn: "Symbol"))
        XCTAssertEqual(file.layoutDescription, "long format (ticker column 'Symbol'), 2 tickers: AAA, BBB")
        XCTAssertEqual(file.series.map(\.ticker), ["AAA", "BBB"])
        XCTAssertEqual(file.series.map(\.prices), [[1, 2, 3], [10, 11]])
        XCTAssertEqual(try file.series(named: "BBB").count, 2)
        XCTAssertEqual(try file.series(named: "bbb").ticker, "BBB")
        XCTAssertThrowsError(try file.series(named: "CCC")) { error in
            XCTAssertEqual("\(error)", "prices.csv: no ticker 'CCC' (tickers: 'AAA', 'BBB')")
        }
    }

    func testWideFormatOneSeriesPerColumnWithFREDMissingValues() throws {
        let file = try parse("Date,SP500,WTI\n2020-01-02,3200,61.2\n2020-01-03,3210,.\n2020-01-06,3190,63\n")
        XCTAssertEqual(file.layout, .wide(columns: ["SP500", "WTI"]))
        XCTAssertEqual(file.series.map(\.ticker), ["SP500", "WTI"])
        XCTAssertEqual(file.series[1].prices, [61.2, 61.2, 63])
        XCTAssertEqual(file.series[1].filled, 1)
        XCTAssertEqual(file.series[1].fields[.close]!, [61.2, nil, 63])
    }

    func testErrorsNameTheFileLineAndColumn() {
        assertError("Date,Close\n2020-01-02,5\n2020-01-03,abc\n", "prices.csv:3: column 'Close': expected a number, found \"abc\"")
        assertError("Date,Close\n2020-01-02,5\n2020-01-03,6\n2020-01-02,7\n",
                    "prices.csv:4: column 'Date': duplicate date 2020-01-02 (first on line 2)")
        assertError("Date,Ticker,Close\n2020-01-02,A,5\n2020-01-02,B,5\n2020-01-02,A,7\n",
                    "prices.csv:4: column 'Date': duplicate date 2020-01-02 for ticker 'A' (first on line 2)")
        assertError("Date,Close\n2020-01-02,5\n2020-01-03,0\n",
                    "prices.csv:3: column 'Close': price 0.0 on 2020-01-03 is not positive; log returns need positive prices (use --target price to model scaled prices)")
        assertError("Date,Close\n2020-01-02,5\n2020-01-03,-1\n",
                    "prices.csv:3: column 'Close': price -1.0 on 2020-01-03 is not positive; log returns need positive prices (use --target price to model scaled prices)")
        assertError("Date,Close\n2020-01-02,5\n03.01.2020,6\n",
                    "prices.csv:3: column 'Date': expected a date as YYYY-MM-DD or M/D/YYYY (optionally with a time), found \"03.01.2020\"")
        assertError("Day0,Close\n2020-01-02,5\n", "prices.csv:1: no date column (columns: 'Day0', 'Close'); name it with --date-column")
        assertError("Date,Close\n2020-01-02,5\n", options: IngestOptions(priceColumn: "Adj Close"),
                    "prices.csv:1: no column 'Adj Close' (columns: 'Date', 'Close')")
        assertError("Date,Ticker,Last\n2020-01-02,A,5\n",
                    "prices.csv:1: no price column: expected 'Adj Close' or 'Close' (columns: 'Date', 'Ticker', 'Last'); choose one with --column")
        assertError("Date,Close\n2020-01-02,null\n2020-01-03,\n", "prices.csv: column 'Close': no price at all for 'prices'")
        assertError("Date,Ticker,Close\n2020-01-02,,5\n", "prices.csv:2: column 'Ticker': empty ticker")
        assertError("Date,Close\n2020-01-02,inf\n", "prices.csv:2: column 'Close': expected a finite number, found \"inf\"")
    }

    func testNonPositivePricesAreAcceptedWhenNoLogIsTaken() throws {
        let file = try parse("Date,Close\n2020-01-02,5\n2020-01-03,-1\n", IngestOptions(requirePositive: false))
        XCTAssertEqual(file.series[0].prices, [5, -1])
    }
}
