import PlexusFormats
import Foundation
import XCTest
@testable import ClusterPipeline

func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-cluster-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `text` to a new file in `directory` and returns its path.
func write(_ text: String, to name: String, in directory: String) -> String {
    let path = (directory as NSString).appendingPathComponent(name)
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// A log with three planted behaviours, 60 users each, as of 2024-06-30:
/// group 0 buys often and much (10-14 purchases of about 100 in the last 90 days),
/// group 1 bought once, long ago, little (one purchase of about 15, 300-360 days back),
/// group 2 buys now and then, cheaply (3-4 purchases of about 12 over the last 120 days).
func plantedLog(seed: UInt64 = 1) -> (csv: String, groups: [String: Int]) {
    var rng = SplitMix(seed: seed)
    let end = CivilCalendar.days(year: 2024, month: 6, day: 30)
    var lines = ["user_id,timestamp,amount"]
    var groups: [String: Int] = [:]
    for group in 0..<3 {
        for index in 0..<60 {
            let user = "u\(group)-\(index)"
            groups[user] = group
            let (count, span, offset, amount): (Int, Int, Int, Double)
            switch group {
            case 0: (count, span, offset, amount) = (10 + rng.next(5), 90, 0, 100)
            case 1: (count, span, offset, amount) = (1, 60, 300, 15)
            default: (count, span, offset, amount) = (3 + rng.next(2), 120, 0, 12)
            }
            for _ in 0..<count {
                let day = end - offset - rng.next(span)
                let value = amount * (0.8 + 0.4 * Double(rng.next(1000)) / 1000)
                lines.append("\(user),\(CivilCalendar.isoDate(days: day)) \(String(format: "%02d", 8 + rng.next(12))):00:00,\(String(format: "%.2f", value))")
            }
        }
    }
    return (lines.joined(separator: "\n") + "\n", groups)
}

/// A tiny deterministic generator for test data (independent of the engine's).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}

func assertClose(_ actual: Double, _ expected: Double, _ tolerance: Double = 1e-6, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual, expected, accuracy: tolerance * max(1, abs(expected)), message, file: file, line: line)
}
