/// A matrix of coloured cells with row and column labels and a text in each cell: the confusion matrix, the
/// segment profiles. The caller picks each cell's colour (`Color.mixed` makes a scale); the text is white on dark
/// cells and black on light ones.
///
/// ```swift
/// var map = HeatMap(rowLabels: ["0 T-shirt/top", "1 Übergröße"], columnLabels: ["0", "1"])
/// map.cells = [[.init(Color.white.mixed(with: .blue, 0.9), "45"), .init(.white, "5")],
///              [.init(.white, "0"), .init(Color.white.mixed(with: .blue, 1), "50")]]
/// map.rowTitle = "actual"; map.columnTitle = "predicted"
/// ```
public struct HeatMap: Chart {
    public struct Cell {
        public var color: Color
        public var text: String
        public init(_ color: Color, _ text: String) { (self.color, self.text) = (color, text) }
    }

    public var title: String?
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `cells[row][column]`; a missing cell is left blank.
    public var cells: [[Cell]] = []
    /// What the rows and the columns are ("actual", "predicted"), written beside the labels.
    public var rowTitle: String?, columnTitle: String?
    /// Column labels turned 30° (long feature names) instead of upright over their column.
    public var slantedColumnLabels = false
    /// Lines under the matrix saying what the colours and texts mean.
    public var notes: [String] = []
    public var cellWidth = 44.0, cellHeight = 36.0

    public init(title: String? = nil, rowLabels: [String], columnLabels: [String]) {
        (self.title, self.rowLabels, self.columnLabels) = (title, rowLabels, columnLabels)
    }

    public var summary: String {
        [title, (rowTitle.map { "rows, \($0): " } ?? "rows: ") + rowLabels.joined(separator: ", "),
         (columnTitle.map { "columns, \($0): " } ?? "columns: ") + columnLabels.joined(separator: ", ")].compactMap { $0 }.joined(separator: "; ")
    }

    /// Where the matrix starts inside the panel, and the panel's size.
    private func layout(_ painter: Painter) -> (left: Double, top: Double, width: Double, height: Double) {
        let labelWidth = rowLabels.map { painter.measure($0).width }.max() ?? 0
        let left = 12 + (rowTitle == nil ? 0 : 22) + labelWidth + 10
        let columnLabelHeight = slantedColumnLabels
            ? (columnLabels.map { painter.measure($0, size: 11).width }.max() ?? 0) * 0.5 + 16 : 20
        let top = (title == nil ? 0 : 24) + (columnTitle == nil ? 0 : 20) + columnLabelHeight + 6
        let matrix = (width: Double(columnLabels.count) * cellWidth, height: Double(rowLabels.count) * cellHeight)
        let notesWidth = notes.map { painter.measure($0, size: 11).width }.max() ?? 0
        let slantOverhang = slantedColumnLabels ? (columnLabels.map { painter.measure($0, size: 11).width }.max() ?? 0) * 0.87 : 0
        return (left, top, max(left + matrix.width + max(16, slantOverhang - cellWidth / 2), 12 + notesWidth + 12),
                top + matrix.height + 12 + Double(notes.count) * 16 + 8)
    }

    public func size(_ painter: Painter) -> (width: Double, height: Double) {
        let layout = self.layout(painter)
        return (layout.width, layout.height)
    }

    public func draw(_ painter: Painter, in frame: Rect) {
        let layout = self.layout(painter)
        let (left, top) = (frame.x + layout.left, frame.y + layout.top)
        let matrix = Rect(x: left, y: top, width: Double(columnLabels.count) * cellWidth, height: Double(rowLabels.count) * cellHeight)
        if let title { painter.text(title, x: frame.x + 12, y: frame.y + 4, size: 13, bold: true) }
        if let columnTitle { painter.text(columnTitle, x: matrix.x + matrix.width / 2, y: frame.y + (title == nil ? 0 : 24) + 2, horizontal: .middle, color: .darkGray) }
        if let rowTitle { painter.text(rowTitle, x: frame.x + 12, y: matrix.y + matrix.height / 2, horizontal: .middle, color: .darkGray, rotation: -90) }
        for (column, label) in columnLabels.enumerated() {
            let x = left + (Double(column) + 0.5) * cellWidth
            if slantedColumnLabels {
                painter.text(label, x: x, y: top - 6, size: 11, rotation: -30)
            } else {
                painter.text(label, x: x, y: top - 4, horizontal: .middle, vertical: .end, size: 11)
            }
        }
        for (row, label) in rowLabels.enumerated() {
            let y = top + Double(row) * cellHeight
            painter.text(label, x: left - 8, y: y + cellHeight / 2, horizontal: .end, vertical: .middle)
            for (column, cell) in (row < cells.count ? cells[row] : []).prefix(columnLabels.count).enumerated() {
                let box = Rect(x: left + Double(column) * cellWidth, y: y, width: cellWidth, height: cellHeight)
                painter.fill(box, cell.color)
                painter.text(cell.text, x: box.x + cellWidth / 2, y: box.y + cellHeight / 2, horizontal: .middle, vertical: .middle, size: 11,
                             color: cell.color.luma < 0.5 ? .white : .black)
            }
        }
        painter.frame(Rect(x: matrix.x - 1, y: matrix.y - 1, width: matrix.width + 2, height: matrix.height + 2), .gray)
        for (index, note) in notes.enumerated() {
            painter.text(note, x: frame.x + 12, y: matrix.bottom + 12 + Double(index) * 16, size: 11, color: Color(hex: 0x555555))
        }
    }
}
