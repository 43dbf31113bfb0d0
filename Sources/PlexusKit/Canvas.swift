import PlexusFormats

/// An RGB colour with components in 0...1.
public struct Color: Sendable {
    public var red: Float, green: Float, blue: Float

    public init(red: Float, green: Float, blue: Float) {
        (self.red, self.green, self.blue) = (red, green, blue)
    }

    public static let white = Color(red: 1, green: 1, blue: 1)
    public static let black = Color(red: 0, green: 0, blue: 0)
    public static let gray = Color(red: 0.55, green: 0.55, blue: 0.55)
    public static let lightGray = Color(red: 0.9, green: 0.9, blue: 0.9)
    public static let blue = Color(red: 0.12, green: 0.47, blue: 0.71)
    public static let orange = Color(red: 1.0, green: 0.5, blue: 0.05)
    public static let green = Color(red: 0.17, green: 0.63, blue: 0.17)
    public static let red = Color(red: 0.84, green: 0.15, blue: 0.16)

    /// The colour `amount` (0...1) of the way from `self` to `other`.
    public func mixed(with other: Color, _ amount: Float) -> Color {
        let t = min(max(amount, 0), 1)
        return Color(red: red + (other.red - red) * t, green: green + (other.green - green) * t, blue: blue + (other.blue - blue) * t)
    }
}

/// A small raster for the pipelines' plots and pictures: filled rectangles, lines, images and text in a built-in 5×7 pixel font,
/// written as PNG through `PNG.write`. No font files, no dependencies: the plots look the same everywhere.
public struct Canvas {
    public let width: Int
    public let height: Int
    public private(set) var pixels: [Float]  // RGB, row-major

    public init(width: Int, height: Int, background: Color = .white) {
        self.width = width
        self.height = height
        pixels = [Float](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    public mutating func set(_ x: Int, _ y: Int, _ color: Color) {
        guard x >= 0 && x < width && y >= 0 && y < height else { return }
        let base = (y * width + x) * 3
        (pixels[base], pixels[base + 1], pixels[base + 2]) = (color.red, color.green, color.blue)
    }

    /// Fills the part of the rectangle that lies on the canvas.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: Color) {
        let (left, right, top, bottom) = (max(x, 0), min(x + w, width), max(y, 0), min(y + h, height))
        guard left < right && top < bottom else { return }
        for row in top..<bottom {
            for column in left..<right { set(column, row, color) }
        }
    }

    /// A rectangle outline `thickness` pixels wide, drawn inside the rectangle.
    public mutating func frame(x: Int, y: Int, width w: Int, height h: Int, _ color: Color, thickness: Int = 1) {
        fill(x: x, y: y, width: w, height: thickness, color)
        fill(x: x, y: y + h - thickness, width: w, height: thickness, color)
        fill(x: x, y: y, width: thickness, height: h, color)
        fill(x: x + w - thickness, y: y, width: thickness, height: h, color)
    }

    /// A straight line (Bresenham) drawn with a square pen `thickness` pixels wide.
    public mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), _ color: Color, thickness: Int = 1) {
        var (x, y) = start
        let (dx, dy) = (abs(end.x - x), -abs(end.y - y))
        let (stepX, stepY) = (x < end.x ? 1 : -1, y < end.y ? 1 : -1)
        var error = dx + dy
        let offset = thickness / 2
        while true {
            fill(x: x - offset, y: y - offset, width: thickness, height: thickness, color)
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += stepX }
            if doubled <= dx { error += dx; y += stepY }
        }
    }

    /// A [channels, height, width] image (1 or 3 channels, values in 0...1) scaled up by `scale`, top-left at (x, y).
    public mutating func image(_ values: ArraySlice<Float>, channels: Int, width w: Int, height h: Int, x: Int, y: Int, scale: Int) {
        let plane = w * h
        for row in 0..<h {
            for column in 0..<w {
                let index = values.startIndex + row * w + column
                let color = channels == 1
                    ? Color(red: values[index], green: values[index], blue: values[index])
                    : Color(red: values[index], green: values[index + plane], blue: values[index + 2 * plane])
                fill(x: x + column * scale, y: y + row * scale, width: scale, height: scale, color)
            }
        }
    }

    /// Width in pixels of `text` at `scale` (6 pixels per character at scale 1: 5 for the glyph, 1 of spacing).
    public static func textWidth(_ text: String, scale: Int = 1) -> Int { max(text.count * 6 - 1, 0) * scale }

    /// `text` with its top-left corner at (x, y), 7 × `scale` pixels high (8 with descenders). Characters without a
    /// glyph draw as `?`.
    public mutating func text(_ text: String, x: Int, y: Int, _ color: Color = .black, scale: Int = 1) {
        for (index, character) in text.enumerated() {
            let columns = Font.glyphs[character] ?? Font.glyphs["?"]!
            for (column, bits) in columns.enumerated() {
                for row in 0..<8 where bits >> UInt8(row) & 1 == 1 {
                    fill(x: x + (index * 6 + column) * scale, y: y + row * scale, width: scale, height: scale, color)
                }
            }
        }
    }

    /// `text` cut to at most `characters` characters, ending in `.` when cut.
    public static func truncated(_ text: String, to characters: Int) -> String {
        text.count <= characters ? text : String(text.prefix(max(characters - 1, 0))) + "."
    }

    /// A gray or RGB image (values in 0...1) at its own size, top-left at (x, y), clipped to the canvas.
    public mutating func paste(_ image: PNGImage, x: Int, y: Int) {
        let rgb = image.converted(toChannels: 3)
        for row in 0..<rgb.height {
            for column in 0..<rgb.width {
                let source = (row * rgb.width + column) * 3
                set(x + column, y + row, Color(red: rgb.pixels[source], green: rgb.pixels[source + 1], blue: rgb.pixels[source + 2]))
            }
        }
    }

    /// The canvas as an RGB image.
    public var pngImage: PNGImage { PNGImage(width: width, height: height, channels: 3, pixels: pixels) }

    public func write(to path: String) throws {
        try PNG.write(pngImage, path: path)
    }
}

/// The classic 5×7 LCD font: five columns per glyph, bit 0 the top row; bit 7 holds the descenders of g, j, p, q, y.
private enum Font {
    static let glyphs: [Character: [UInt8]] = {
        let table: [(Character, [UInt8])] = [
            (" ", [0x00, 0x00, 0x00, 0x00, 0x00]), ("!", [0x00, 0x00, 0x5F, 0x00, 0x00]), ("#", [0x14, 0x7F, 0x14, 0x7F, 0x14]),
            ("%", [0x23, 0x13, 0x08, 0x64, 0x62]), ("'", [0x00, 0x05, 0x03, 0x00, 0x00]), ("(", [0x00, 0x1C, 0x22, 0x41, 0x00]),
            (")", [0x00, 0x41, 0x22, 0x1C, 0x00]), ("*", [0x14, 0x08, 0x3E, 0x08, 0x14]), ("+", [0x08, 0x08, 0x3E, 0x08, 0x08]),
            (",", [0x00, 0x50, 0x30, 0x00, 0x00]), ("-", [0x08, 0x08, 0x08, 0x08, 0x08]), (".", [0x00, 0x60, 0x60, 0x00, 0x00]),
            ("/", [0x20, 0x10, 0x08, 0x04, 0x02]), ("0", [0x3E, 0x51, 0x49, 0x45, 0x3E]), ("1", [0x00, 0x42, 0x7F, 0x40, 0x00]),
            ("2", [0x42, 0x61, 0x51, 0x49, 0x46]), ("3", [0x21, 0x41, 0x45, 0x4B, 0x31]), ("4", [0x18, 0x14, 0x12, 0x7F, 0x10]),
            ("5", [0x27, 0x45, 0x45, 0x45, 0x39]), ("6", [0x3C, 0x4A, 0x49, 0x49, 0x30]), ("7", [0x01, 0x71, 0x09, 0x05, 0x03]),
            ("8", [0x36, 0x49, 0x49, 0x49, 0x36]), ("9", [0x06, 0x49, 0x49, 0x29, 0x1E]), (":", [0x00, 0x36, 0x36, 0x00, 0x00]), (";", [0x00, 0x56, 0x36, 0x00, 0x00]),
            ("<", [0x08, 0x14, 0x22, 0x41, 0x00]), ("=", [0x14, 0x14, 0x14, 0x14, 0x14]), (">", [0x00, 0x41, 0x22, 0x14, 0x08]),
            ("?", [0x02, 0x01, 0x51, 0x09, 0x06]), ("A", [0x7E, 0x11, 0x11, 0x11, 0x7E]), ("B", [0x7F, 0x49, 0x49, 0x49, 0x36]),
            ("C", [0x3E, 0x41, 0x41, 0x41, 0x22]), ("D", [0x7F, 0x41, 0x41, 0x22, 0x1C]), ("E", [0x7F, 0x49, 0x49, 0x49, 0x41]),
            ("F", [0x7F, 0x09, 0x09, 0x09, 0x01]), ("G", [0x3E, 0x41, 0x49, 0x49, 0x7A]), ("H", [0x7F, 0x08, 0x08, 0x08, 0x7F]),
            ("I", [0x00, 0x41, 0x7F, 0x41, 0x00]), ("J", [0x20, 0x40, 0x41, 0x3F, 0x01]), ("K", [0x7F, 0x08, 0x14, 0x22, 0x41]),
            ("L", [0x7F, 0x40, 0x40, 0x40, 0x40]), ("M", [0x7F, 0x02, 0x0C, 0x02, 0x7F]), ("N", [0x7F, 0x04, 0x08, 0x10, 0x7F]),
            ("O", [0x3E, 0x41, 0x41, 0x41, 0x3E]), ("P", [0x7F, 0x09, 0x09, 0x09, 0x06]), ("Q", [0x3E, 0x41, 0x51, 0x21, 0x5E]),
            ("R", [0x7F, 0x09, 0x19, 0x29, 0x46]), ("S", [0x46, 0x49, 0x49, 0x49, 0x31]), ("T", [0x01, 0x01, 0x7F, 0x01, 0x01]),
            ("U", [0x3F, 0x40, 0x40, 0x40, 0x3F]), ("V", [0x1F, 0x20, 0x40, 0x20, 0x1F]), ("W", [0x3F, 0x40, 0x38, 0x40, 0x3F]),
            ("X", [0x63, 0x14, 0x08, 0x14, 0x63]), ("Y", [0x07, 0x08, 0x70, 0x08, 0x07]), ("Z", [0x61, 0x51, 0x49, 0x45, 0x43]),
            ("[", [0x00, 0x7F, 0x41, 0x41, 0x00]), ("]", [0x00, 0x41, 0x41, 0x7F, 0x00]), ("_", [0x40, 0x40, 0x40, 0x40, 0x40]),
            ("a", [0x20, 0x54, 0x54, 0x54, 0x78]), ("b", [0x7F, 0x48, 0x44, 0x44, 0x38]), ("c", [0x38, 0x44, 0x44, 0x44, 0x20]),
            ("d", [0x38, 0x44, 0x44, 0x48, 0x7F]), ("e", [0x38, 0x54, 0x54, 0x54, 0x18]), ("f", [0x08, 0x7E, 0x09, 0x01, 0x02]),
            ("g", [0x18, 0xA4, 0xA4, 0xA4, 0x7C]), ("h", [0x7F, 0x08, 0x04, 0x04, 0x78]), ("i", [0x00, 0x44, 0x7D, 0x40, 0x00]),
            ("j", [0x40, 0x80, 0x84, 0x7D, 0x00]), ("k", [0x7F, 0x10, 0x28, 0x44, 0x00]), ("l", [0x00, 0x41, 0x7F, 0x40, 0x00]),
            ("m", [0x7C, 0x04, 0x18, 0x04, 0x78]), ("n", [0x7C, 0x08, 0x04, 0x04, 0x78]), ("o", [0x38, 0x44, 0x44, 0x44, 0x38]),
            ("p", [0xFC, 0x24, 0x24, 0x24, 0x18]), ("q", [0x18, 0x24, 0x24, 0x18, 0xFC]), ("r", [0x7C, 0x08, 0x04, 0x04, 0x08]),
            ("s", [0x48, 0x54, 0x54, 0x54, 0x20]), ("t", [0x04, 0x3F, 0x44, 0x40, 0x20]), ("u", [0x3C, 0x40, 0x40, 0x20, 0x7C]),
            ("v", [0x1C, 0x20, 0x40, 0x20, 0x1C]), ("w", [0x3C, 0x40, 0x30, 0x40, 0x3C]), ("x", [0x44, 0x28, 0x10, 0x28, 0x44]),
            ("y", [0x9C, 0xA0, 0xA0, 0xA0, 0x7C]), ("z", [0x44, 0x64, 0x54, 0x4C, 0x44]),
        ]
        return Dictionary(uniqueKeysWithValues: table)
    }()
}
