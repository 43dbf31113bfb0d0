import PlexusFormats

/// Images of one size in rows of `columns`, each optionally framed in a colour and captioned: the misclassified
/// grid (captions below), anomaly heat maps (score over the image, frame by label), scan | reconstruction | map
/// strips (no captions, black gaps).
///
/// ```swift
/// var grid = ImageGrid(columns: 8, scale: 3)
/// grid.tiles.append(.init(image: picture, captions: [("Übergröße", .green), ("T-shirt/top 97%", .red)]))
/// ```
public struct ImageGrid: Chart {
    public struct Tile {
        public var image: PNGImage
        public var captions: [(text: String, color: Color)]
        /// The colour of a `border`-wide frame around the image; none when nil.
        public var frame: Color?

        public init(image: PNGImage, captions: [(text: String, color: Color)] = [], frame: Color? = nil) {
            (self.image, self.captions, self.frame) = (image, captions, frame)
        }
    }

    /// Where captions go: in lines under the image, or the first one on a black box over its top-left corner.
    public enum Captions { case below, over }

    public var tiles: [Tile] = []
    public var columns: Int
    /// Each image pixel is drawn as a `scale`-pixel square.
    public var scale: Double
    /// Room between tiles, in the figure's background colour.
    public var gap: Double
    public var border: Double
    public var captions: Captions
    /// Tiles at least this wide, so that captions below have room.
    public var minimumTileWidth: Double

    public init(columns: Int, scale: Double = 1, gap: Double = 2, border: Double = 0, captions: Captions = .below, minimumTileWidth: Double = 0) {
        (self.columns, self.scale, self.gap, self.border, self.captions, self.minimumTileWidth) =
            (max(1, columns), scale, gap, border, captions, minimumTileWidth)
    }

    public var summary: String {
        "\(tiles.count) images" + (tiles.contains { !$0.captions.isEmpty } ? ": " + tiles.map { $0.captions.map(\.text).joined(separator: " ") }.joined(separator: "; ") : "")
    }

    private var cell: (width: Double, height: Double, imageWidth: Double, imageHeight: Double) {
        let imageWidth = Double(tiles.map(\.image.width).max() ?? 0) * scale, imageHeight = Double(tiles.map(\.image.height).max() ?? 0) * scale
        let lines = captions == .below ? Double(tiles.map(\.captions.count).max() ?? 0) : 0
        return (max(imageWidth, minimumTileWidth) + 2 * border, imageHeight + 2 * border + (lines > 0 ? lines * 15 + 6 : 0), imageWidth, imageHeight)
    }

    public func size(_ painter: Painter) -> (width: Double, height: Double) {
        let shown = min(columns, tiles.count), rows = (tiles.count + columns - 1) / columns
        return (Double(shown) * cell.width + Double(max(shown - 1, 0)) * gap, Double(rows) * cell.height + Double(max(rows - 1, 0)) * gap)
    }

    public func draw(_ painter: Painter, in frame: Rect) {
        let cell = self.cell
        for (position, tile) in tiles.enumerated() {
            let x = frame.x + Double(position % columns) * (cell.width + gap), y = frame.y + Double(position / columns) * (cell.height + gap)
            if let color = tile.frame {
                painter.fill(Rect(x: x, y: y, width: cell.width, height: cell.imageHeight + 2 * border), color)
            }
            let imageX = x + ((cell.width - 2 * border - Double(tile.image.width) * scale) / 2).rounded(.down) + border
            painter.image(tile.image, x: imageX, y: y + border, scale: scale)
            switch captions {
            case .below:
                for (line, caption) in tile.captions.enumerated() {
                    painter.text(painter.fitted(caption.text, width: cell.width - 4, size: 11), x: x + 2, y: y + cell.imageHeight + 2 * border + 3 + Double(line) * 15,
                                 size: 11, color: caption.color)
                }
            case .over:
                guard let caption = tile.captions.first else { break }
                let size = painter.measure(caption.text, size: 10)
                painter.fill(Rect(x: x + border, y: y + border, width: size.width + 6, height: size.height + 2), .black)
                painter.text(caption.text, x: x + border + 3, y: y + border + 1, size: 10, color: caption.color)
            }
        }
    }
}
