import Foundation
import Plexus
import PlexusFormats

/// Small input files for the pipelines, written into a test's folder: enough for a run of a few seconds in a debug
/// build (shared by the concurrent-runs and ONNX export tests).
public enum SyntheticInputs {
    /// `prices.csv`: 300 days of a random walk, columns Date and Close.
    public static func writePrices(in directory: String, _ rng: inout RandomGenerator) throws {
        var price = 100.0, lines = ["Date,Close"]
        for day in 0..<300 {
            price *= 1 + (Double(rng.nextFloat()) - 0.5) * 0.02
            lines.append(CivilCalendar.isoDate(days: 18_000 + day) + String(format: ",%.4f", price))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/prices.csv", atomically: true, encoding: .utf8)
    }

    /// `events.csv`: purchases of 150 users, columns user_id, timestamp and amount.
    public static func writeEvents(in directory: String, _ rng: inout RandomGenerator) throws {
        var lines = ["user_id,timestamp,amount"]
        for user in 0..<150 {
            let (visits, spend) = (1 + Int(rng.next() % 12), 5 + Double(rng.next() % 200))
            for visit in 0..<visits {
                lines.append("u\(user),\(CivilCalendar.isoDate(days: 18_000 + Int(rng.next() % 300) + visit)),\(spend)")
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/events.csv", atomically: true, encoding: .utf8)
    }

    /// `pngs/<class>/<n>.png`: three classes of 16×16 gray images (bright top half, bright left half, dark), 12 each.
    public static func writeImages(in directory: String, _ rng: inout RandomGenerator) throws {
        for (label, bright) in [("top", { (x: Int, y: Int) in y < 8 }), ("left", { (x: Int, y: Int) in x < 8 }), ("dark", { (_: Int, _: Int) in false })] {
            try FileManager.default.createDirectory(atPath: directory + "/pngs/" + label, withIntermediateDirectories: true)
            for index in 0..<12 {
                let pixels = (0..<256).map { (bright($0 % 16, $0 / 16) ? 0.8 : 0.2) + (rng.nextFloat() - 0.5) * 0.2 }
                try PNG.write(PNGImage(width: 16, height: 16, channels: 1, pixels: pixels), path: directory + "/pngs/\(label)/\(index).png")
            }
        }
    }
}
