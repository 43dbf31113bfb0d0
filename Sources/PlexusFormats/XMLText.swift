extension String {
    /// The text escaped for XML (SVG, HTML) text and attribute values: `&`, `<`, `>`, `"` and `'` as entities, and
    /// the control characters XML 1.0 forbids even as references replaced by U+FFFD, so any label makes a valid file.
    public var xmlEscaped: String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
