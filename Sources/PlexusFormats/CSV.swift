import Foundation

/// A CSV file read into memory: a header and rows of text fields, all of the header's width.
public struct CSVTable {
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

    /// The number in `rows[row][column]`, or nil for a missing value ("", "null", "NaN", "NA").
    /// Any other text that is not a finite number ("inf" and "1e999" are not) is an error naming the line and the column,
    /// and so is a number beyond ±3.4e38 ("1e39"): the engine computes in 32-bit floats, where it would become infinite.
    public func double(row: Int, column: Int) throws -> Double? {
        let field = rows[row][column]
        let text = field.trimmingCharacters(in: .whitespaces)
        if Self.missingMarkers.contains(text.lowercased()) { return nil }
        guard let value = Double(text) else {
            throw FormatError(path: path, line: lineNumbers[row], "column '\(header[column])': expected a number, found \"\(field)\"")
        }
        guard value.isFinite else {
            throw FormatError(path: path, line: lineNumbers[row], "column '\(header[column])': expected a finite number, found \"\(field)\"")
        }
        guard value.magnitude <= Double(Float.greatestFiniteMagnitude) else {
            throw FormatError(path: path, line: lineNumbers[row],
                              "column '\(header[column])': \(text) is beyond ±3.4e38, the range of the 32-bit floats Plexus computes in")
        }
        return value
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
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }

        let separator: UInt8
        if let delimiter {
            guard let ascii = delimiter.asciiValue, ascii != UInt8(ascii: "\"") else {
                throw FormatError(path: path, "delimiter must be one ASCII character other than '\"', got '\(delimiter)'")
            }
            separator = ascii
        } else {
            separator = detectDelimiter(bytes)
        }

        var scanner = RecordScanner(bytes: bytes, separator: separator, path: path)
        guard let header = try scanner.next() else {
            throw FormatError(path: path, "file is empty (expected a header line)")
        }
        var rows: [[String]] = []
        var lineNumbers: [Int] = []
        while let record = try scanner.next() {
            guard record.fields.count == header.fields.count else {
                throw FormatError(path: path, line: record.line,
                                  "expected \(header.fields.count) fields as in the header, found \(record.fields.count)")
            }
            rows.append(record.fields)
            lineNumbers.append(record.line)
        }
        guard !rows.isEmpty else {
            throw FormatError(path: path, line: header.line, "header but no data rows")
        }
        return CSVTable(path: path, header: header.fields.map { $0.trimmingCharacters(in: .whitespaces) },
                        rows: rows, lineNumbers: lineNumbers, headerLine: header.line)
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

/// Cuts CSV bytes into records, tracking the 1-based line each record starts on.
private struct RecordScanner {
    let bytes: [UInt8]
    let separator: UInt8
    let path: String
    private var index = 0
    private var line = 1

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    init(bytes: [UInt8], separator: UInt8, path: String) {
        self.bytes = bytes
        self.separator = separator
        self.path = path
    }

    /// The next non-blank record, or nil at the end of the text.
    mutating func next() throws -> (fields: [String], line: Int)? {
        while index < bytes.count && isLineEnd(bytes[index]) { consumeLineEnd() }
        guard index < bytes.count else { return nil }
        let start = line
        var fields: [String] = []
        while true {
            fields.append(try field())
            guard index < bytes.count, bytes[index] == separator else { break }
            index += 1
        }
        consumeLineEnd()
        return (fields, start)
    }

    /// One field, quoted or not; stops before the separator or line end that follows it.
    private mutating func field() throws -> String {
        guard index < bytes.count, bytes[index] == Self.quote else {
            let start = index
            while index < bytes.count && bytes[index] != separator && !isLineEnd(bytes[index]) { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        let openingLine = line
        index += 1
        var value: [UInt8] = []
        while true {
            guard index < bytes.count else {
                throw FormatError(path: path, line: openingLine, "quoted field is never closed (missing '\"')")
            }
            let byte = bytes[index]
            index += 1
            if byte == Self.quote {
                guard index < bytes.count, bytes[index] == Self.quote else { break }
                index += 1  // "" inside quotes is one literal quote
            } else if byte == Self.lf || (byte == Self.cr && (index == bytes.count || bytes[index] != Self.lf)) {
                line += 1
            }
            value.append(byte)
        }
        if index < bytes.count && bytes[index] != separator && !isLineEnd(bytes[index]) {
            throw FormatError(path: path, line: line,
                              "unexpected text after a closing quote (write a quote inside a quoted field as \"\")")
        }
        return String(decoding: value, as: UTF8.self)
    }

    private func isLineEnd(_ byte: UInt8) -> Bool { byte == Self.lf || byte == Self.cr }

    /// Steps over one LF, CRLF or lone CR, if there is one.
    private mutating func consumeLineEnd() {
        guard index < bytes.count, isLineEnd(bytes[index]) else { return }
        if bytes[index] == Self.cr && index + 1 < bytes.count && bytes[index + 1] == Self.lf { index += 1 }
        index += 1
        line += 1
    }
}
