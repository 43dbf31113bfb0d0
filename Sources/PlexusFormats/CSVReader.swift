import Foundation

/// One data row of a CSV file: as many fields as the header has, and the line the row starts on.
public struct CSVRecord {
    public let fields: [String]
    public let line: Int
}

/// A CSV file read one record at a time. From a file, memory holds one chunk of it and the record being read,
/// whatever the file's size: an event log of millions of rows is never in memory as text (`CSV.read` holds the
/// whole table). The header is read on opening; `next` checks each row's width and that its text is UTF-8, naming
/// the line. The file's SHA-256 is computed as it is read, for the data set's content hash.
///
/// ```swift
/// var reader = try CSVReader(path: "events.csv")
/// let user = try reader.requireColumn("user_id")
/// while let record = try reader.next() { print(record.line, record.fields[user]) }
/// let hash = try reader.sha256()
/// ```
public struct CSVReader: CSVColumns {
    public let path: String
    public let header: [String]
    public let headerLine: Int
    private var scanner: RecordScanner
    private var rows = 0

    /// Opens the file at `path`. With no `delimiter`, picks whichever of `,` `;` tab the header uses most.
    public init(path: String, delimiter: Character? = nil) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw FormatError(path: path, "file not found") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FormatError(path: path, "cannot read file (permission denied)") }
        try self.init(chunks: FileChunks(handle: handle, path: path), path: path, delimiter: delimiter)
    }

    /// Reads CSV held in memory; `path` only labels error messages.
    public init(bytes: [UInt8], path: String, delimiter: Character? = nil) throws {
        try self.init(chunks: FileChunks(bytes: bytes, path: path), path: path, delimiter: delimiter)
    }

    private init(chunks: FileChunks, path: String, delimiter: Character?) throws {
        var first = try chunks.next() ?? []
        if first.starts(with: [0xEF, 0xBB, 0xBF]) { first.removeFirst(3) }
        let separator: UInt8
        if let delimiter {
            guard let ascii = delimiter.asciiValue, ascii != UInt8(ascii: "\"") else {
                throw FormatError(path: path, "delimiter must be one ASCII character other than '\"', got '\(delimiter)'")
            }
            separator = ascii
        } else {
            separator = CSV.detectDelimiter(first)
        }
        scanner = RecordScanner(bytes: first, chunks: chunks, separator: separator, path: path)
        guard let header = try scanner.next() else { throw FormatError(path: path, "file is empty (expected a header line)") }
        self.path = path
        self.header = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        headerLine = header.line
    }

    /// The next data row, or nil after the last one. A file with a header and no rows is an error.
    public mutating func next() throws -> CSVRecord? {
        guard let record = try scanner.next() else {
            guard rows > 0 else { throw FormatError(path: path, line: headerLine, "header but no data rows") }
            return nil
        }
        guard record.fields.count == header.count else {
            throw FormatError(path: path, line: record.line, "expected \(header.count) fields as in the header, found \(record.fields.count)")
        }
        rows += 1
        return CSVRecord(fields: record.fields, line: record.line)
    }

    /// The SHA-256 of the file's bytes, once every record has been read.
    public func sha256() throws -> String { try scanner.chunks.hasher.finish() }
}

/// A file's bytes a chunk at a time (or bytes in memory as one chunk), hashed as they are handed out.
private final class FileChunks {
    static let size = 1 << 20
    let hasher = SHA256.Hasher()
    private let handle: FileHandle?
    private var pending: [UInt8]?
    private let path: String

    init(handle: FileHandle, path: String) {
        self.handle = handle
        self.path = path
    }

    init(bytes: [UInt8], path: String) {
        handle = nil
        pending = bytes
        self.path = path
    }

    deinit { try? handle?.close() }

    /// The next chunk, or nil at the end.
    func next() throws -> [UInt8]? {
        let chunk: [UInt8]?
        if let handle {
            do {
                chunk = try handle.read(upToCount: Self.size).map { [UInt8]($0) }
            } catch {
                throw FormatError(path: path, "cannot read file (\(error.localizedDescription))")
            }
        } else {
            chunk = pending
            pending = nil
        }
        guard let chunk, !chunk.isEmpty else { return nil }
        hasher.update(chunk)
        return chunk
    }
}

/// Cuts CSV bytes into records, tracking the 1-based line each record starts on. It holds the bytes from the
/// current record on, reading another chunk when a record does not end in the ones it has.
private struct RecordScanner {
    let chunks: FileChunks
    let separator: UInt8
    let path: String
    private var bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var exhausted = false

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    init(bytes: [UInt8], chunks: FileChunks, separator: UInt8, path: String) {
        self.bytes = bytes
        self.chunks = chunks
        self.separator = separator
        self.path = path
    }

    /// The next non-blank record, or nil at the end of the text.
    mutating func next() throws -> (fields: [String], line: Int)? {
        try bufferRecord()
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

    /// Reads chunks until the buffer holds the next record whole, with the byte after its line end (a CR's LF
    /// may follow), or the input has ended. Quotes are counted to know whether a line end ends the record.
    private mutating func bufferRecord() throws {
        var scan = index, inQuotes = false, seenText = false
        while !exhausted {
            while scan < bytes.count {
                let byte = bytes[scan]
                if byte == Self.quote {
                    inQuotes.toggle()
                } else if isLineEnd(byte) {
                    if !inQuotes && seenText && scan + 1 < bytes.count { return }
                    if !inQuotes && seenText { break }
                } else {
                    seenText = true
                }
                scan += 1
            }
            guard let chunk = try chunks.next() else {
                exhausted = true
                return
            }
            if index > 0 {
                bytes.removeFirst(index)
                scan -= index
                index = 0
            }
            bytes += chunk
        }
    }

    /// One field, quoted or not; stops before the separator or line end that follows it.
    private mutating func field() throws -> String {
        guard index < bytes.count, bytes[index] == Self.quote else {
            let start = index
            while index < bytes.count && bytes[index] != separator && !isLineEnd(bytes[index]) { index += 1 }
            return try text(bytes[start..<index])
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
        return try text(value[...])
    }

    private func text(_ field: ArraySlice<UInt8>) throws -> String {
        guard let text = String(validating: field, as: UTF8.self) else { throw FormatError(path: path, line: line, "not UTF-8 text") }
        return text
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
