import Foundation

/// Small file-system helpers the pipelines that read folders share.
public enum Paths {
    /// Whether `path` exists and is a folder.
    public static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// `folder/name`, without doubling a trailing slash of `folder`.
    public static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}

public enum Statistics {
    /// The `q` quantile of ascending `sorted` values, interpolating linearly between order statistics
    /// (NumPy's default `linear` method).
    public static func quantile<Value: BinaryFloatingPoint>(_ sorted: [Value], _ q: Double) -> Double {
        precondition(!sorted.isEmpty, "quantile of no values")
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return Double(sorted[lower]) * (1 - fraction) + Double(sorted[upper]) * fraction
    }
}

extension String {
    /// The text with `&`, `<`, `>`, `"` and `'` escaped, for SVG (XML) and HTML text and attribute values, quoted
    /// either way. The one escaping function of the charts and of `plexus ui`'s pages.
    public var xmlEscaped: String {
        replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}
