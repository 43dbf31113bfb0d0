/// An RGB colour with components in 0...1.
public struct Color: Sendable, Equatable {
    public var red: Double, green: Double, blue: Double

    public init(red: Double, green: Double, blue: Double) {
        (self.red, self.green, self.blue) = (red, green, blue)
    }

    /// `0xRRGGBB`, as charts usually name colours: `Color(hex: 0x1f77b4)`.
    public init(hex: UInt32) {
        self.init(red: Double(hex >> 16 & 0xff) / 255, green: Double(hex >> 8 & 0xff) / 255, blue: Double(hex & 0xff) / 255)
    }

    public static let white = Color(hex: 0xffffff)
    public static let black = Color(hex: 0x000000)
    public static let gray = Color(hex: 0x8c8c8c)
    public static let lightGray = Color(hex: 0xe5e5e5)
    public static let darkGray = Color(hex: 0x444444)

    /// Matplotlib's "tab10", so the colours look familiar; `palette(i)` reuses them beyond ten.
    public static let tab10: [Color] = [0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf]
        .map { Color(hex: $0) }
    public static let blue = tab10[0], orange = tab10[1], green = tab10[2], red = tab10[3]

    public static func palette(_ index: Int) -> Color { tab10[index % tab10.count] }

    /// The colour `amount` (clamped to 0...1) of the way from `self` to `other`.
    public func mixed(with other: Color, _ amount: Double) -> Color {
        let t = min(max(amount, 0), 1)
        return Color(red: red + (other.red - red) * t, green: green + (other.green - green) * t, blue: blue + (other.blue - blue) * t)
    }

    /// ITU-R 601 luma, to pick dark or light text on a fill.
    public var luma: Double { 0.299 * red + 0.587 * green + 0.114 * blue }
}
