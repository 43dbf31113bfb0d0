import Foundation

/// A CSV header: its column names, found by name ignoring case.
public protocol CSVColumns {
    /// The file the header came from, used in error messages.
    var path: String { get }
    /// Column names, trimmed of surrounding whitespace.
    var header: [String] { get }
    /// 1-based source line of the header.
    var headerLine: Int { get }
}

extension CSVColumns {
    /// The index of the column called `name`, ignoring case and surrounding whitespace.
    public func columnIndex(_ name: String) -> Int? {
        let wanted = name.trimmingCharacters(in: .whitespaces).lowercased()
        return header.firstIndex { $0.lowercased() == wanted }
    }

    /// Like `columnIndex`, but a missing column is an error that lists the columns there are.
    public func requireColumn(_ name: String) throws -> Int {
        guard let index = columnIndex(name) else {
            let known = header.map { "'\($0)'" }.joined(separator: ", ")
            throw FormatError(path: path, line: headerLine, "no column '\(name)' (columns: \(known))")
        }
        return index
    }
}

/// A CSV file read into memory: a header and rows of text fields, all of the header's width.
public struct CSVTable: CSVColumns {
    /// The file the table came from, used in error messages.
    public let path: String
    /// Column names, trimmed of surrounding whitespace.
    public let header: [String]
    /// Data rows as text; every row has `header.count` fields.
    public let rows: [[String]]
    /// 1-based source line on which each row starts (rows may span lines inside quotes).
    public let lineNumbers: [Int]
    /// 1-based source line of the header.
    public let headerLine: Int

    /// Texts that mean "no value" in a numeric column, compared case-insensitively.
    static let missingMarkers: Set<String> = ["", "null", "nan", "na"]

    /// The number in `rows[row][column]`, or nil for a missing value ("", "null", "NaN", "NA").
    /// Any other text that is not a finite number ("inf" and "1e999" are not) is an error naming the line and the column,
    /// and so is a number beyond ±3.4e38 ("1e39"): the engine computes in 32-bit floats, where it would become infinite.
    public func double(row: Int, column: Int) throws -> Double? {
        try CSV.number(rows[row][column], column: header[column], line: lineNumbers[row], path: path)
    }
}

/// Reading and writing RFC 4180 CSV: quoted fields, `""` escapes, newlines inside quotes,
/// CRLF or LF line ends, an optional UTF-8 byte-order mark. Blank lines are skipped.
public enum CSV {
    /// Delimiters tried, in order of preference, when none is given.
    static let candidateDelimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]

    /// Reads a UTF-8 CSV file. With no `delimiter`, picks whichever of `,` `;` tab the header uses most.
    public static func read(path: String, delimiter: Character? = nil) throws -> CSVTable {
        let bytes = try FileBytes.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FormatError(path: path, "not UTF-8 text")
        }
        return try parse(text, path: path, delimiter: delimiter)
    }

    /// Parses CSV text; `path` only labels error messages.
    public static func parse(_ text: String, path: String, delimiter: Character? = nil) throws -> CSVTable {
        var reader = try CSVReader(bytes: Array(text.utf8), path: path, delimiter: delimiter)
        var rows: [[String]] = []
        var lineNumbers: [Int] = []
        while let record = try reader.next() {
            rows.append(record.fields)
            lineNumbers.append(record.line)
        }
        return CSVTable(path: path, header: reader.header, rows: rows, lineNumbers: lineNumbers, headerLine: reader.headerLine)
    }

    /// The number in `field` of column `column` on `line`: what `CSVTable.double` documents.
    public static func number(_ field: String, column: String, line: Int, path: String) throws -> Double? {
        let text = field.trimmingCharacters(in: .whitespaces)
        if CSVTable.missingMarkers.contains(text.lowercased()) { return nil }
        guard let value = Double(text) else {
            throw FormatError(path: path, line: line, "column '\(column)': expected a number, found \"\(field)\"")
        }
        guard value.isFinite else {
            throw FormatError(path: path, line: line, "column '\(column)': expected a finite number, found \"\(field)\"")
        }
        guard value.magnitude <= Double(Float.greatestFiniteMagnitude) else {
            throw FormatError(path: path, line: line,
                              "column '\(column)': \(text) is beyond ±3.4e38, the range of the 32-bit floats Plexus computes in")
        }
        return value
    }

    /// Formats a table as comma-separated text with `\n` line ends, quoting fields only where needed.
    public static func write(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { fields in
            // A lone empty field would be a blank line, which readers skip; quoting keeps the row.
            if fields == [""] { return "\"\"\n" }
            return fields.map(quoted).joined(separator: ",") + "\n"
        }.joined()
    }

    /// The field, quoted if it holds a quote, a line break or any delimiter `read` might detect.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { ",;\t\"".contains($0) || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The candidate delimiter that occurs most often (outside quotes) on the first non-blank line.
    static func detectDelimiter(_ bytes: [UInt8]) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var inQuotes = false
        var seenText = false
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { inQuotes.toggle() }
            let isNewline = byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            if isNewline && !inQuotes && seenText { break }
            seenText = seenText || !isNewline
            if !inQuotes && candidateDelimiters.contains(byte) { counts[byte, default: 0] += 1 }
        }
        // max(by:) returns the last of equal maxima, so search the reversed list to prefer ',' on ties.
        let best = candidateDelimiters.reversed().max { counts[$0, default: 0] < counts[$1, default: 0] }!
        return counts[best, default: 0] > 0 ? best : UInt8(ascii: ",")
    }
}
