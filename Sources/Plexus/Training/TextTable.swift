/// A plain-text table for the terminal: each column padded to its widest cell (or a minimum width), left- or
/// right-aligned, with optional rules and blank lines between rows. Every table the commands print is one.
///
/// ```swift
/// var table = TextTable(headers: ["model", "accuracy", "macro-F1"])  // label left, numbers right
/// table.add(["mlp", "0.9123", "0.9088"])
/// print(table.rendered)
/// // model  accuracy  macro-F1
/// // mlp      0.9123    0.9088
/// ```
///
/// It lives in the engine, not in PlexusKit, because the engine's own `summary(_:inputShape:)` prints one.
public struct TextTable {
    public enum Alignment: Sendable { case left, right }

    public struct Column: Sendable {
        public var header: String
        public var alignment: Alignment
        /// Narrower cells are padded to this width, so a table can keep a fixed layout.
        public var minimumWidth: Int
        /// Wider cells are not padded to: they push the rest of their row to the right (e.g. long file paths).
        public var maximumWidth: Int?

        public init(_ header: String = "", _ alignment: Alignment = .left, minimumWidth: Int = 0, maximumWidth: Int? = nil) {
            self.header = header
            self.alignment = alignment
            self.minimumWidth = minimumWidth
            self.maximumWidth = maximumWidth
        }

        public static func left(_ header: String = "", minimumWidth: Int = 0, maximumWidth: Int? = nil) -> Column {
            Column(header, .left, minimumWidth: minimumWidth, maximumWidth: maximumWidth)
        }

        public static func right(_ header: String = "", minimumWidth: Int = 0) -> Column {
            Column(header, .right, minimumWidth: minimumWidth)
        }
    }

    private enum Row {
        case cells([String])
        case rule(Character)
        case blank
    }

    public let columns: [Column]
    /// Text between two columns.
    public let separator: String
    private var rows: [Row] = []

    /// A table whose first line is the column headers, unless every header is empty.
    public init(_ columns: [Column], separator: String = "  ") {
        self.columns = columns
        self.separator = separator
        if columns.contains(where: { !$0.header.isEmpty }) { rows.append(.cells(columns.map(\.header))) }
    }

    /// The usual layout: the first column (a label) left-aligned, the others (numbers) right-aligned.
    public init(headers: [String], separator: String = "  ") {
        self.init(headers.enumerated().map { Column($0.element, $0.offset == 0 ? .left : .right) }, separator: separator)
    }

    /// Adds a row of one cell per column.
    public mutating func add(_ cells: [String]) {
        precondition(cells.count == columns.count, "a row of \(cells.count) cells in a table of \(columns.count) columns")
        rows.append(.cells(cells))
    }

    /// Adds a line of `character` across the whole table.
    public mutating func addRule(_ character: Character = "-") { rows.append(.rule(character)) }

    /// Adds an empty line.
    public mutating func addBlankLine() { rows.append(.blank) }

    /// The table as lines without trailing spaces, joined by newlines.
    public var rendered: String {
        var widths = columns.map(\.minimumWidth)
        for case .cells(let cells) in rows {
            for (index, cell) in cells.enumerated() where cell.count <= columns[index].maximumWidth ?? .max {
                widths[index] = max(widths[index], cell.count)
            }
        }
        let width = widths.reduce(0, +) + separator.count * max(columns.count - 1, 0)
        return rows.map { row in
            switch row {
            case .blank: return ""
            case .rule(let character): return String(repeating: character, count: width)
            case .cells(let cells):
                var line = zip(cells, zip(columns, widths)).map { cell, column in
                    let padding = String(repeating: " ", count: max(column.1 - cell.count, 0))
                    return column.0.alignment == .left ? cell + padding : padding + cell
                }.joined(separator: separator)
                while line.last == " " { line.removeLast() }
                return line
            }
        }.joined(separator: "\n")
    }
}
