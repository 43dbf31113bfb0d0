import CCairo
import PlexusFormats

/// A rectangle in pixels from the top-left corner of the figure.
public struct Rect: Sendable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) { (self.x, self.y, self.width, self.height) = (x, y, width, height) }
    public var right: Double { x + width }
    public var bottom: Double { y + height }
}

/// A text as drawn: its point, which part of its box sits there, its size and its turn (degrees clockwise).
struct PlacedText {
    let text: String
    let x: Double, y: Double
    let horizontal: Painter.Anchor, vertical: Painter.Anchor
    let size: Double
    let rotation: Double
}

/// A point in pixels from the top-left corner of the figure.
public typealias Point = (x: Double, y: Double)

/// Draws on one cairo context: shapes, images, and text laid out by pango in DejaVu Sans (through fontconfig, any
/// sans-serif when it is missing). The charts draw through it so that the same calls make the PNG and the SVG.
/// It also keeps every text it draws, in order, for the SVG's accessible text (see `Figure`).
public final class Painter {
    let context: OpaquePointer
    /// Every text drawn, with where its box starts and its size, for the SVG's text layer.
    private(set) var texts: [PlacedText] = []
    /// Why a drawing call could not be carried out; `Figure` throws it.
    private(set) var failure: ChartError?

    init(context: OpaquePointer) { self.context = context }

    /// Which part of a text's box sits at the point it is drawn at.
    public enum Anchor: Double, Sendable { case start = 0, middle = 0.5, end = 1 }

    /// The size of `text`'s box in `size`-pixel type (a line's full height, not only its ink).
    public func measure(_ text: String, size: Double = 12, bold: Bool = false) -> (width: Double, height: Double) {
        let layout = self.layout(text, size: size, bold: bold)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        var (width, height): (Int32, Int32) = (0, 0)
        pango_layout_get_pixel_size(layout, &width, &height)
        return (Double(width), Double(height))
    }

    /// How many characters of `text` no installed font can draw (pango shows them as boxes). DejaVu Sans covers
    /// Latin, Greek and Cyrillic; fontconfig falls back to WenQuanYi Micro Hei (`fonts-wqy-microhei`) for Chinese,
    /// Japanese and Korean.
    public func missingGlyphs(_ text: String, size: Double = 12) -> Int {
        let layout = self.layout(text, size: size, bold: false)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        return Int(pango_layout_get_unknown_glyphs_count(layout))
    }

    /// `text` with its box placed by `horizontal` and `vertical` at (`x`, `y`), turned by `rotation` degrees
    /// (clockwise) about that point.
    public func text(_ text: String, x: Double, y: Double, horizontal: Anchor = .start, vertical: Anchor = .start, size: Double = 12,
                     color: Color = .black, bold: Bool = false, rotation: Double = 0) {
        guard !text.isEmpty else { return }
        let layout = self.layout(text, size: size, bold: bold)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        var (width, height): (Int32, Int32) = (0, 0)
        pango_layout_get_pixel_size(layout, &width, &height)
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_rotate(context, rotation * .pi / 180)
        cairo_move_to(context, -Double(width) * horizontal.rawValue, -Double(height) * vertical.rawValue)
        setColor(color)
        pango_cairo_show_layout(context, layout)
        cairo_restore(context)
        texts.append(PlacedText(text: text, x: x, y: y, horizontal: horizontal, vertical: vertical, size: size, rotation: rotation))
    }

    /// `text` cut with an ellipsis so that it is at most `width` pixels wide.
    public func fitted(_ text: String, width: Double, size: Double = 12) -> String {
        guard measure(text, size: size).width > width else { return text }
        var kept = text
        while !kept.isEmpty && measure(kept + "…", size: size).width > width { kept.removeLast() }
        return kept + "…"
    }

    public func fill(_ rect: Rect, _ color: Color, opacity: Double = 1) {
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        setColor(color, opacity: opacity)
        cairo_fill(context)
    }

    /// A rectangle's outline, on the pixel grid so that a 1-pixel line stays sharp.
    public func frame(_ rect: Rect, _ color: Color, width: Double = 1) {
        cairo_rectangle(context, rect.x.rounded() + width / 2, rect.y.rounded() + width / 2, rect.width.rounded() - width,
                        rect.height.rounded() - width)
        stroke(color, width: width, dash: [])
    }

    /// Line segments through `points`; `dash` alternates drawn and left-out lengths (empty: solid).
    public func line(_ points: [Point], _ color: Color, width: Double = 1, dash: [Double] = [], opacity: Double = 1) {
        guard let first = points.first else { return }
        cairo_move_to(context, first.x, first.y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        stroke(color, width: width, dash: dash, opacity: opacity)
    }

    /// The filled outline through `points`.
    public func polygon(_ points: [Point], _ color: Color, opacity: Double = 1) {
        guard let first = points.first else { return }
        cairo_move_to(context, first.x, first.y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        cairo_close_path(context)
        setColor(color, opacity: opacity)
        cairo_fill(context)
    }

    public func disc(_ center: Point, radius: Double, _ color: Color, opacity: Double = 1) {
        cairo_new_sub_path(context)
        cairo_arc(context, center.x, center.y, radius, 0, 2 * .pi)
        setColor(color, opacity: opacity)
        cairo_fill(context)
    }

    /// A gray or RGB image (values in 0...1), each pixel drawn as a `scale`-pixel square, top-left at (`x`, `y`).
    public func image(_ image: PNGImage, x: Double, y: Double, scale: Double = 1) {
        let rgb = image.converted(toChannels: 3)
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(rgb.width), Int32(rgb.height)) else { return }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(surface) else {
            failure = ChartError("cairo cannot hold a \(rgb.width)x\(rgb.height) image")
            return
        }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        func byte(_ value: Float) -> UInt32 { UInt32((min(max(value, 0), 1) * 255).rounded()) }
        for row in 0..<rgb.height {
            let line = UnsafeMutableRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
            for column in 0..<rgb.width {
                let source = (row * rgb.width + column) * 3
                line[column] = byte(rgb.pixels[source]) << 16 | byte(rgb.pixels[source + 1]) << 8 | byte(rgb.pixels[source + 2])
            }
        }
        cairo_surface_mark_dirty(surface)
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_scale(context, scale, scale)
        cairo_set_source_surface(context, surface, 0, 0)
        // Enlarged pixels stay squares instead of being blurred.
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_NEAREST)
        cairo_rectangle(context, 0, 0, Double(rgb.width), Double(rgb.height))
        cairo_fill(context)
        cairo_restore(context)
    }

    private func layout(_ text: String, size: Double, bold: Bool) -> OpaquePointer {
        let layout = pango_cairo_create_layout(context)!
        let font = pango_font_description_from_string("DejaVu Sans, sans-serif")
        defer { pango_font_description_free(font) }
        pango_font_description_set_absolute_size(font, size * Double(PANGO_SCALE))
        if bold { pango_font_description_set_weight(font, PANGO_WEIGHT_BOLD) }
        pango_layout_set_font_description(layout, font)
        pango_layout_set_text(layout, text, -1)
        return layout
    }

    private func setColor(_ color: Color, opacity: Double = 1) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, opacity)
    }

    private func stroke(_ color: Color, width: Double, dash: [Double], opacity: Double = 1) {
        setColor(color, opacity: opacity)
        cairo_set_line_width(context, width)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        cairo_set_dash(context, dash, Int32(dash.count), 0)
        cairo_stroke(context)
    }
}
