import XCTest
@testable import PlexusFormats

final class CSVTests: XCTestCase {
    private func parse(_ text: String, delimiter: Character? = nil) throws -> CSVTable {
        try CSV.parse(text, path: "prices.csv", delimiter: delimiter)
    }

    func testQuotedFieldsEscapesAndEmbeddedNewlines() throws {
        let table = try parse(#"""
        Date,Name,Close
        2024-01-02,"Smith, John",10.5
        2024-01-03,"He said ""hi""",11
        2024-01-04,"two
        lines",12
        2024-01-05,,13

        """#)
        XCTAssertEqual(table.header, ["Date", "Name", "Close"])
        XCTAssertEqual(table.rows.map { $0[1] }, ["Smith, John", "He said \"hi\"", "two\nlines", ""])
        // The quoted newline moves later rows down a line.
        XCTAssertEqual(table.lineNumbers, [2, 3, 4, 6])
    }

    func testCRLFBOMAndBlankLines() throws {
        let table = try parse("\u{FEFF}a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z\r\n")
        XCTAssertEqual(table.header, ["a", "b"])
        XCTAssertEqual(table.rows, [["1", "x\r\ny"], ["2", "z"]])
        XCTAssertEqual(table.lineNumbers, [2, 5])
    }

    func testDelimiterDetectionAndOverride() throws {
        XCTAssertEqual(try parse("a;b;c\n1;2,5;3\n").rows, [["1", "2,5", "3"]])
        XCTAssertEqual(try parse("a\tb\n1\t2\n").rows, [["1", "2"]])
        XCTAssertEqual(try parse("\"x,y\";z\n1;2\n").header, ["x,y", "z"])  // commas inside quotes don't count
        XCTAssertEqual(try parse("only\n1\n").header, ["only"])
        XCTAssertEqual(try parse("a|b\n1|2\n", delimiter: "|").rows, [["1", "2"]])
        XCTAssertFormatError(try parse("a\n1\n", delimiter: "é"),
                             "prices.csv: delimiter must be one ASCII character other than '\"', got 'é'")
    }

    func testStructuralErrorsNameTheLine() {
        XCTAssertFormatError(try parse("a,b,c\n1,2,3\n\"multi\nline\",5,6\n7,8\n"),
                             "prices.csv:5: expected 3 fields as in the header, found 2")
        XCTAssertFormatError(try parse(""), "prices.csv: file is empty (expected a header line)")
        XCTAssertFormatError(try parse("\n\r\n"), "prices.csv: file is empty (expected a header line)")
        XCTAssertFormatError(try parse("\na,b\n"), "prices.csv:2: header but no data rows")
        XCTAssertFormatError(try parse("a,b\n1,\"open\n2,3\n"), "prices.csv:2: quoted field is never closed (missing '\"')")
        XCTAssertFormatError(try parse("a,b\n1,\"x\"y\n"),
                             "prices.csv:2: unexpected text after a closing quote (write a quote inside a quoted field as \"\")")
    }

    func testColumnsAndNumbers() throws {
        let table = try parse(" Date , Close ,Volume\n2024-01-02,10.5,NA\n2024-01-03, nan ,\n2024-01-04,n/a,1e3\n")
        XCTAssertEqual(table.columnIndex("close"), 1)
        XCTAssertEqual(table.columnIndex(" VOLUME "), 2)
        XCTAssertNil(table.columnIndex("Open"))
        XCTAssertFormatError(try table.requireColumn("Open"), "prices.csv:1: no column 'Open' (columns: 'Date', 'Close', 'Volume')")

        let close = try table.requireColumn("Close")
        XCTAssertEqual(try table.double(row: 0, column: close), 10.5)
        XCTAssertNil(try table.double(row: 1, column: close))
        XCTAssertNil(try table.double(row: 0, column: 2))
        XCTAssertNil(try table.double(row: 1, column: 2))
        XCTAssertEqual(try table.double(row: 2, column: 2), 1000)
        XCTAssertFormatError(try table.double(row: 2, column: close), "prices.csv:4: column 'Close': expected a number, found \"n/a\"")
        XCTAssertFormatError(try table.double(row: 0, column: 0), "prices.csv:2: column 'Date': expected a number, found \"2024-01-02\"")
    }

    func testWriteThenParseRoundTrips() throws {
        let header = ["name", "note"]
        let rows = [["a,b", "say \"hi\""], ["multi\nline", ""], ["", "x;y"]]
        let text = CSV.write(header: header, rows: rows)
        XCTAssertEqual(text, "name,note\n\"a,b\",\"say \"\"hi\"\"\"\n\"multi\nline\",\n,\"x;y\"\n")
        let table = try parse(text)
        XCTAssertEqual(table.header, header)
        XCTAssertEqual(table.rows, rows)

        // One column whose name holds a ';' must not be re-read as two columns.
        let single = CSV.write(header: ["a;b"], rows: [["1"], [""]])
        XCTAssertEqual(try parse(single).header, ["a;b"])
        XCTAssertEqual(try parse(single).rows, [["1"], [""]])
    }

    func testReadFromDisk() throws {
        let url = try temporaryDirectory(for: self).appendingPathComponent("data.csv")
        try Data("x,y\n1,2\n".utf8).write(to: url)
        XCTAssertEqual(try CSV.read(path: url.path).rows, [["1", "2"]])
        try Data([0x78, 0x0A, 0xFF, 0x0A]).write(to: url)
        XCTAssertFormatError(try CSV.read(path: url.path), "\(url.path): not UTF-8 text")
        XCTAssertFormatError(try CSV.read(path: "/nonexistent/data.csv"), "/nonexistent/data.csv: file not found")
    }
}
