import Foundation
import Plexus

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

/// This process's memory, as runs record it (`peak_rss_mb`) and the bench reports it.
public enum ProcessMemory {
    /// Peak resident memory of this process in MiB (`VmHWM` of /proc/self/status, what `ru_maxrss` reports), or 0
    /// where /proc is not available.
    public static func peakMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }

    /// Hands freed heap memory back to the system between phases that allocate differently (loading, training,
    /// evaluation); see `CPUBackend.returnFreedMemory`.
    public static func returnFreedMemory() {
        CPUBackend.returnFreedMemory()
    }
}

/// How much decoded image data the image pipelines keep in memory.
public enum ImageMemory {
    /// 512 MiB of Float32 pixels: Fashion-MNIST's 70,000 28x28 images (220 MB) stay in memory, a folder of 20,000
    /// 64x64 colour images (983 MB) is streamed batch by batch.
    public static let defaultBudget = 512 << 20
}
