import Foundation

/// A problem with a file's contents, told in one line a user can act on:
/// `prices.csv:14: column 'Close': expected a number, found "n/a"`.
///
/// Every reader in this module throws this type, so callers can print `error.description`
/// (or `localizedDescription`) without knowing which format failed.
public struct FormatError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The file the problem is in, as the caller named it (`<memory>` for in-memory data).
    public let path: String
    /// 1-based line, when the format has lines and the line is known.
    public let line: Int?
    /// 1-based column (in characters), when known.
    public let column: Int?
    /// What was expected and what was found.
    public let message: String

    public init(path: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.path = path
        self.line = line
        self.column = column
        // Keep the promise of one line even when a library's message spans several.
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    public var description: String {
        var location = path
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(message)"
    }

    public var errorDescription: String? { description }
}

/// Whole-file reads and writes that report failures as `FormatError`s naming the path.
enum FileBytes {
    static func read(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FormatError(path: path, "file not found")
        }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw FormatError(path: path, "cannot read file (\(error.localizedDescription))")
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FormatError(path: path, "cannot write file (\(error.localizedDescription))")
        }
    }
}
