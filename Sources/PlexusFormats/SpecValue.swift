import Yams

/// A value from a YAML pipeline file, with the line it was written on so that any later
/// complaint about it can point there.
public struct SpecValue: Equatable {
    /// The value, typed the way YAML types plain scalars (`16` is an int, `"16"` a string).
    public enum Content: Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case list([SpecValue])
        case map([String: SpecValue])
    }

    public let content: Content
    /// 1-based line of the value; for a map entry, the line of its key.
    public let line: Int
    /// The file the value came from, for error messages.
    public let file: String

    public init(_ content: Content, line: Int, file: String) {
        self.content = content
        self.line = line
        self.file = file
    }

    /// Converts a Yams node. `line` overrides the node's own line (map entries use their key's line).
    init(node: Node, file: String, line: Int? = nil) throws {
        let line = line ?? node.mark?.line ?? 0
        let content: Content
        switch node {
        case .scalar(let scalar):
            switch node.tag {
            case Tag(.null): content = .null
            case Tag(.bool): content = node.bool.map(Content.bool) ?? .string(scalar.string)
            // Yams reads YAML 1.1's sexagesimal integers ("1:30" is 90) and traps when one overflows (found by
            // fuzz-pipeline: "200000000000000000:0"); YAML 1.2 has no such integers, so they stay text.
            case Tag(.int) where scalar.string.contains(":"): content = .string(scalar.string)
            case Tag(.int): content = node.int.map(Content.int) ?? .string(scalar.string)
            case Tag(.float): content = node.float.map(Content.double) ?? .string(scalar.string)
            default: content = .string(scalar.string)
            }
        case .sequence(let sequence):
            content = .list(try sequence.map { try SpecValue(node: $0, file: file) })
        case .mapping(let mapping):
            var entries: [String: SpecValue] = [:]
            for (key, value) in mapping {
                let keyLine = key.mark?.line ?? line
                guard case .scalar(let name) = key else {
                    throw FormatError(path: file, line: keyLine, "map keys must be plain names")
                }
                guard entries[name.string] == nil else {
                    throw FormatError(path: file, line: keyLine, "duplicate key '\(name.string)'")
                }
                entries[name.string] = try SpecValue(node: value, file: file, line: keyLine)
            }
            content = .map(entries)
        }
        self.init(content, line: line, file: file)
    }

    /// How the value reads in an error message: `"abc"`, `16`, `a list`.
    public var summary: String {
        switch content {
        case .null: return "nothing"
        case .bool(let value): return String(value)
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return "\"\(value)\""
        case .list: return "a list"
        case .map: return "a map"
        }
    }

    // MARK: - Typed reads. `what` names the value in errors, e.g. "layer 'linear': key 'units'".

    public func int(_ what: String) throws -> Int {
        guard case .int(let value) = content else { throw mismatch(what, expected: "an integer") }
        return value
    }

    /// A number; integers are accepted too. YAML's `.inf` and `.nan` are not: no setting means them, and they would
    /// pass a range check such as "greater than 0" only to poison the training. Nor is a number beyond 32-bit floats
    /// (about ±3.4e38), the engine's precision, where `learning_rate: 1e300` would become infinity.
    public func double(_ what: String) throws -> Double {
        switch content {
        case .int(let value): return Double(value)
        case .double(let value) where Float(value).isFinite: return value
        case .double(let value) where value.isFinite: throw mismatch(what, expected: "a number within ±3.4e38 (32-bit floats)")
        default: throw mismatch(what, expected: "a number")
        }
    }

    public func bool(_ what: String) throws -> Bool {
        guard case .bool(let value) = content else { throw mismatch(what, expected: "true or false") }
        return value
    }

    public func string(_ what: String) throws -> String {
        guard case .string(let value) = content else { throw mismatch(what, expected: "a string") }
        return value
    }

    /// A list of integers; a single integer counts as a list of one.
    public func ints(_ what: String) throws -> [Int] {
        switch content {
        case .int(let value): return [value]
        case .list(let items):
            guard let values = try? items.map({ try $0.int(what) }) else {
                throw mismatch(what, expected: "a list of integers")
            }
            return values
        default: throw mismatch(what, expected: "an integer or a list of integers")
        }
    }

    /// A list of numbers; a single number counts as a list of one.
    public func doubles(_ what: String) throws -> [Double] {
        guard case .list(let items) = content else { return [try double(what)] }
        return try items.map { try $0.double(what) }
    }

    /// A list of strings; a single string counts as a list of one.
    public func strings(_ what: String) throws -> [String] {
        guard case .list(let items) = content else { return [try string(what)] }
        return try items.map { try $0.string(what) }
    }

    func list(_ what: String) throws -> [SpecValue] {
        guard case .list(let items) = content else { throw mismatch(what, expected: "a list") }
        return items
    }

    func map(_ what: String) throws -> [String: SpecValue] {
        guard case .map(let entries) = content else { throw mismatch(what, expected: "a map") }
        return entries
    }

    /// One of an enumeration's raw values, e.g. an optimizer name.
    func choice<Choice: RawRepresentable & CaseIterable>(_ what: String, of _: Choice.Type) throws -> Choice
    where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        guard case .string(let name) = content, let choice = Choice(rawValue: name) else {
            throw mismatch(what, expected: "one of \(names.joined(separator: ", "))")
        }
        return choice
    }

    // MARK: - Range checks for numbers

    /// Allowed ranges for numeric settings, with the words used when a value falls outside.
    enum NumberRule {
        case positive, nonNegative, fraction, openFraction

        func allows(_ value: Double) -> Bool {
            switch self {
            case .positive: return value > 0
            case .nonNegative: return value >= 0
            case .fraction: return value >= 0 && value < 1
            case .openFraction: return value > 0 && value < 1
            }
        }

        var words: String {
            switch self {
            case .positive: return "greater than 0"
            case .nonNegative: return "0 or more"
            case .fraction: return "at least 0 and below 1"
            case .openFraction: return "between 0 and 1 (exclusive)"
            }
        }
    }

    func double(_ what: String, _ rule: NumberRule) throws -> Double {
        let value = try double(what)
        guard rule.allows(value) else { throw outOfRange(what, rule.words) }
        return value
    }

    func int(_ what: String, atLeast minimum: Int) throws -> Int {
        let value = try int(what)
        guard value >= minimum else { throw outOfRange(what, "at least \(minimum)") }
        return value
    }

    private func mismatch(_ what: String, expected: String) -> FormatError {
        FormatError(path: file, line: line, "\(what): expected \(expected), found \(summary)")
    }

    private func outOfRange(_ what: String, _ words: String) -> FormatError {
        FormatError(path: file, line: line, "\(what): must be \(words), found \(summary)")
    }
}

/// The entries of one YAML map, read key by key, with errors naming the file, line, owner and key
/// ("training: key 'epochs': ...").
struct SpecMap {
    let entries: [String: SpecValue]
    /// Where the map's owner is written; a missing required key is reported here.
    let line: Int
    let file: String
    /// Who the map belongs to in messages: "training", "layer 'linear'".
    let owner: String

    /// The value under `key` converted by `read`, or nil when the key is absent.
    func optional<T>(_ key: String, _ read: (SpecValue, String) throws -> T) throws -> T? {
        guard let value = entries[key] else { return nil }
        return try read(value, "\(owner): key '\(key)'")
    }

    /// The value under `key` converted by `read`; when absent, `fallback`, or an error if there is none.
    func required<T>(_ key: String, default fallback: T?, _ read: (SpecValue, String) throws -> T) throws -> T {
        if let value = try optional(key, read) { return value }
        guard let fallback else {
            throw FormatError(path: file, line: line, "\(owner): missing required key '\(key)'")
        }
        return fallback
    }

    /// Fails on the first key (by line) outside `allowed`, listing the allowed ones.
    func rejectUnknownKeys(allowed: Set<String>) throws {
        let unknown = entries.filter { !allowed.contains($0.key) }
        guard let (key, value) = unknown.min(by: { ($0.value.line, $0.key) < ($1.value.line, $1.key) }) else { return }
        let expected = allowed.isEmpty ? "it takes no options" : "expected one of: \(allowed.sorted().joined(separator: ", "))"
        throw FormatError(path: file, line: value.line, "\(owner): unknown key '\(key)' (\(expected))")
    }
}
