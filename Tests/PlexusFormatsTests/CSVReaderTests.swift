import XCTest
@testable import PlexusFormats

/// `CSVReader` reads a file in 1 MiB chunks: records that straddle a chunk's end, in every way one can, come out as
/// `CSV.parse` gives them from the whole text, and the file's hash is the hash of all its bytes.
final class CSVReaderTests: XCTestCase {
    /// Rows padded so that, in turn, a CRLF, a quoted field with a line break, a `""` escape and a plain field
    /// cross each chunk boundary.
    private func straddlingFile() -> String {
        let chunk = 1 << 20
        var text = "\u{FEFF}user,note,amount\r\n"
        var row = 0
        func append(_ line: String) {
            text += line
            row += 1
        }
        // Plain rows, then one whose CRLF ends at byte `end` of the file.
        func pad(endingAt end: Int) {
            while text.utf8.count < end - 40 { append("u\(row),plain,\(row % 97).5\r\n") }
            let filler = end - text.utf8.count - "u,,1\r\n".utf8.count
            append("u,\(String(repeating: "x", count: filler)),1\r\n")
        }
        pad(endingAt: chunk + 1)  // its CR is the first chunk's last byte, its LF the second's first
        append("u\(row),\"two\r\nlines\",2\n")
        pad(endingAt: 2 * chunk - 8)  // the next row's quoted field spans the boundary
        append("u\(row),\"a line\nbreak and \"\"quotes\"\" across\",3\n")
        pad(endingAt: 3 * chunk - 3)  // the boundary falls inside "ünïcödé"
        append("u\(row),ünïcödé,4\n\n\n")
        for index in 0..<2_000 { append("u\(index),tail,\(index)\n") }
        return text
    }

    func testChunkBoundariesGiveTheWholeTextsRecords() throws {
        let text = straddlingFile()
        XCTAssertGreaterThan(text.utf8.count, 3 << 20)
        let url = try temporaryDirectory(for: self).appendingPathComponent("big.csv")
        try Data(text.utf8).write(to: url)

        let whole = try CSV.parse(text, path: url.path)
        var reader = try CSVReader(path: url.path)
        var fields: [[String]] = [], lines: [Int] = []
        while let record = try reader.next() {
            fields.append(record.fields)
            lines.append(record.line)
        }
        XCTAssertEqual(reader.header, ["user", "note", "amount"])
        XCTAssertEqual(fields.count, whole.rows.count)
        // The first row that differs, if any (comparing the arrays would print 165,000 rows).
        XCTAssertNil(fields.indices.first { fields[$0] != whole.rows[$0] }, "fields differ from this row on")
        XCTAssertNil(lines.indices.first { lines[$0] != whole.lineNumbers[$0] }, "line numbers differ from this row on")
        XCTAssertEqual(fields.filter { $0[1] == "two\r\nlines" }.count, 1)
        XCTAssertEqual(fields.filter { $0[1] == "a line\nbreak and \"quotes\" across" }.count, 1)
        XCTAssertEqual(try reader.sha256(), try SHA256.hex(Array(text.utf8)))
    }

    func testErrorsNameTheLine() throws {
        let directory = try temporaryDirectory(for: self)
        func read(_ bytes: [UInt8]) throws {
            let url = directory.appendingPathComponent("bad.csv")
            try Data(bytes).write(to: url)
            var reader = try CSVReader(path: url.path)
            while try reader.next() != nil {}
        }
        let path = directory.appendingPathComponent("bad.csv").path
        XCTAssertFormatError(try read(Array("a,b\n1,2\n3\n".utf8)), "\(path):3: expected 2 fields as in the header, found 1")
        XCTAssertFormatError(try read(Array("a,b\n1,2\n".utf8) + [0xFF, 0x2C, 0x31, 0x0A]), "\(path):3: not UTF-8 text")
        XCTAssertFormatError(try read(Array("a,b\n".utf8)), "\(path):1: header but no data rows")
        XCTAssertFormatError(try read([]), "\(path): file is empty (expected a header line)")
        XCTAssertFormatError(try CSVReader(path: "/nonexistent/events.csv"), "/nonexistent/events.csv: file not found")
    }
}
