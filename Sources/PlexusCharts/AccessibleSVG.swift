import PlexusFormats

/// Puts a figure's words into cairo's SVG as text (cairo draws text as glyph outlines): a `<title>` and `aria-label`,
/// a `<desc>`, and a transparent layer of `<text>` elements where the labels are drawn. See `Figure`.
struct AccessibleSVG {
    let title: String?
    let summaries: [String]
    let texts: [PlacedText]

    func annotate(_ svg: [UInt8]) throws -> [UInt8] {
        var document = String(decoding: svg, as: UTF8.self)
        if document.hasPrefix("<?xml"), let end = document.range(of: "?>") {
            document = String(document[end.upperBound...].drop { $0.isNewline })
        }
        guard let root = document.range(of: "<svg "), let rootEnd = document.range(of: ">", range: root.upperBound..<document.endIndex),
              let close = document.range(of: "</svg>", options: .backwards) else { throw ChartError("cairo's SVG has no <svg> element") }
        let label = title ?? summaries.first ?? "chart"
        let head = " role=\"img\" aria-label=\"\(label.xmlEscaped)\">\n<title>\(label.xmlEscaped)</title>\n"
            + "<desc>\(summaries.filter { !$0.isEmpty }.joined(separator: "\n").xmlEscaped)</desc>\n"
        let layer = "<g fill-opacity=\"0\" font-family=\"DejaVu Sans, sans-serif\">\n" + texts.map { text in
            let rotation = text.rotation == 0 ? "" : " transform=\"rotate(\(number(text.rotation)) \(number(text.x)) \(number(text.y)))\""
            let anchor = ["start", "middle", "end"][Int(text.horizontal.rawValue * 2)]
            let baseline = ["text-before-edge", "central", "text-after-edge"][Int(text.vertical.rawValue * 2)]
            return "<text x=\"\(number(text.x))\" y=\"\(number(text.y))\" font-size=\"\(number(text.size))\" text-anchor=\"\(anchor)\" "
                + "dominant-baseline=\"\(baseline)\"\(rotation)>\(text.text.xmlEscaped)</text>\n"
        }.joined() + "</g>\n"
        let annotated = document[..<rootEnd.lowerBound] + head + document[rootEnd.upperBound..<close.lowerBound] + layer
            + document[close.lowerBound...]
        return Array(annotated.utf8)
    }

    /// One decimal at most: `12`, `12.5`.
    private func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
