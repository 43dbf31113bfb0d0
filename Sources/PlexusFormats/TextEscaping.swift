extension String {
    /// The text as a JSON string literal: quotes, backslashes and control characters escaped. For JSON written by
    /// hand (safetensors headers, the rows of pipeline tables), where an encoder would need a `try` that cannot fail.
    public var jsonQuoted: String {
        "\"" + replacingScalars { scalar in
            switch scalar {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            case _ where scalar.value < 0x20:
                return "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: return nil
            }
        } + "\""
    }

    /// The text escaped for XML (SVG, HTML) text and attribute values: `&`, `<`, `>`, `"` and `'` as entities, and
    /// the control characters XML 1.0 forbids even as references replaced by U+FFFD, so any label makes a valid file.
    public var xmlEscaped: String {
        replacingScalars { scalar in
            switch scalar {
            case "&": return "&amp;"
            case "<": return "&lt;"
            case ">": return "&gt;"
            case "\"": return "&quot;"
            case "'": return "&#39;"
            case "\t", "\n", "\r": return nil
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: return "\u{FFFD}"
            default: return nil
            }
        }
    }

    /// The text with each scalar that `replacement` maps replaced by what it returns; the others are kept.
    private func replacingScalars(_ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        for scalar in unicodeScalars {
            if let text = replacement(scalar) { out += text } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
