import CCairo
import Foundation
import PlexusFormats

/// One panel of a figure: a line chart, a scatter, a heat map or an image grid.
public protocol Chart {
    /// The room the panel needs, measured with `painter`'s fonts.
    func size(_ painter: Painter) -> (width: Double, height: Double)
    /// Draws the panel inside `frame` (at least `size` big).
    func draw(_ painter: Painter, in frame: Rect)
    /// What the panel shows in words (its title, axes and units), for the SVG's description.
    var summary: String { get }
}

/// A picture drawn once and written as PNG (cairo's image surface) or SVG (cairo's SVG surface), as a file or as
/// bytes in memory (the run browser serves the SVG inline). A title band on top, then the panels in rows of `columns`.
///
/// ```swift
/// var loss = LineChart(xTitle: "epoch", yTitle: "loss (MSE)")
/// loss.series.append(.init(name: "training", points: [(1, 0.9), (2, 0.5), (3, 0.4)], color: .blue))
/// let figure = Figure(title: "Loss per epoch", [loss])
/// try figure.writePNG(to: "loss.png")
/// let svg: [UInt8] = try figure.svg()   // UTF-8, no XML declaration, ready to inline in HTML
/// ```
///
/// Text is laid out by pango in DejaVu Sans through fontconfig, anti-aliased, any Unicode. In the SVG cairo writes
/// text as glyph outlines, which look the same everywhere but are not text: no search, no screen reader, no test can
/// read them. So the SVG also carries its words as text: `<title>` (the figure's title, also the root's
/// `aria-label`), `<desc>` (each panel's summary: axes and units), and a transparent `<text>` layer with every label
/// where it is drawn, so that a browser can find and select it. All of it is XML-escaped.
/// Charts take any number of points; a caller that serves many (the run browser) downsamples first.
public struct Figure {
    public var title: String?
    public var panels: [any Chart]
    public var columns: Int
    public var background: Color

    public init(title: String?, _ panels: [any Chart], columns: Int? = nil, background: Color = .white) {
        self.title = title
        self.panels = panels
        self.columns = max(1, columns ?? panels.count)
        self.background = background
    }

    /// Height of the band the title is drawn in.
    public static let titleBand = 34.0
    static let titleSize = 15.0

    /// The figure's size in pixels (rounded up), measured with the fonts it will be drawn with.
    public func size() throws -> (width: Int, height: Int) {
        try withScratchPainter { layout($0).size }
    }

    /// The PNG file's bytes: RGB, 8 bits per channel.
    public func png() throws -> [UInt8] {
        let (width, height) = try size()
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else { throw ChartError("cannot create a \(width)x\(height) image") }
        defer { cairo_surface_destroy(surface) }
        try draw(on: surface)
        let sink = ByteSink()
        try ChartError.check(cairo_surface_write_to_png_stream(surface, ByteSink.write, Unmanaged.passUnretained(sink).toOpaque()), "writing the PNG")
        return sink.bytes
    }

    /// The SVG file's bytes (UTF-8, without an XML declaration), with the figure's text as described above.
    public func svg() throws -> [UInt8] {
        let (width, height) = try size()
        let sink = ByteSink()
        guard let surface = cairo_svg_surface_create_for_stream(ByteSink.write, Unmanaged.passUnretained(sink).toOpaque(),
                                                                Double(width), Double(height)) else { throw ChartError("cannot create an SVG") }
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        let painter = try draw(on: surface)
        cairo_surface_finish(surface)
        try ChartError.check(cairo_surface_status(surface), "writing the SVG")
        cairo_surface_destroy(surface)
        return try AccessibleSVG(title: title, summaries: panels.map(\.summary), texts: painter.texts).annotate(sink.bytes)
    }

    public func writePNG(to path: String) throws { try write(png(), to: path) }
    public func writeSVG(to path: String) throws { try write(svg(), to: path) }

    @discardableResult
    private func draw(on surface: OpaquePointer) throws -> Painter {
        guard let context = cairo_create(surface) else { throw ChartError("cannot draw") }
        defer { cairo_destroy(context) }
        let painter = Painter(context: context)
        let (size, cell) = layout(painter)
        painter.fill(Rect(x: 0, y: 0, width: Double(size.width), height: Double(size.height)), background)
        if let title {
            painter.text(title, x: 12, y: Self.titleBand / 2, vertical: .middle, size: Self.titleSize, color: background.luma < 0.5 ? .white : .black, bold: true)
        }
        let top = title == nil ? 0 : Self.titleBand
        for (index, panel) in panels.enumerated() {
            let frame = Rect(x: Double(index % columns) * cell.width, y: top + Double(index / columns) * cell.height, width: cell.width, height: cell.height)
            panel.draw(painter, in: frame)
        }
        try ChartError.check(cairo_status(context), "drawing")
        if let failure = painter.failure { throw failure }
        return painter
    }

    /// The figure's size and the size of each panel's cell (the largest panel's).
    private func layout(_ painter: Painter) -> (size: (width: Int, height: Int), cell: (width: Double, height: Double)) {
        let sizes = panels.map { $0.size(painter) }
        let cell = (width: sizes.map(\.width).max() ?? 0, height: sizes.map(\.height).max() ?? 0)
        let rows = (panels.count + columns - 1) / columns
        let titleWidth = title.map { painter.measure($0, size: Self.titleSize, bold: true).width + 24 } ?? 0
        let width = max(cell.width * Double(min(columns, max(panels.count, 1))), titleWidth, 1)
        let height = max((title == nil ? 0 : Self.titleBand) + cell.height * Double(rows), 1)
        return ((Int(width.rounded(.up)), Int(height.rounded(.up))), cell)
    }

    private func withScratchPainter<T>(_ body: (Painter) -> T) throws -> T {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1), let context = cairo_create(surface) else { throw ChartError("cannot measure text") }
        defer { cairo_destroy(context); cairo_surface_destroy(surface) }
        return body(Painter(context: context))
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw FormatError(path: path, "cannot write this picture (\(error.localizedDescription))")
        }
    }
}

/// A failure inside cairo (out of memory, a broken stream), named by what was being done.
public struct ChartError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }

    static func check(_ status: cairo_status_t, _ doing: String) throws {
        guard status == CAIRO_STATUS_SUCCESS else { throw ChartError("cairo failed \(doing): \(String(cString: cairo_status_to_string(status)))") }
    }
}

/// Collects what cairo writes to a stream.
private final class ByteSink {
    var bytes: [UInt8] = []

    static let write: cairo_write_func_t = { closure, data, length in
        let sink = Unmanaged<ByteSink>.fromOpaque(closure!).takeUnretainedValue()
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
    }
}
