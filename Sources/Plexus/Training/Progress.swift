import Foundation

/// How training reports progress: a Keras-style bar redrawn in place on a terminal, one plain line per
/// epoch otherwise (logs, CI, pipes), or nothing.
public enum ProgressStyle: Sendable {
    case automatic, bar, lines, silent

    var resolved: ProgressStyle {
        guard self == .automatic else { return self }
        return isatty(STDOUT_FILENO) != 0 ? .bar : .lines
    }
}

/// Formats and prints progress for `Trainer`.
struct ProgressPrinter {
    let style: ProgressStyle
    let epochs: Int
    let width = 30

    func epochStarted(_ epoch: Int) {
        if style == .bar { print("Epoch \(epoch)/\(epochs)") }
    }

    /// Redraws the bar after a batch: samples done, ETA, running loss, throughput.
    func batchFinished(samples: Int, of total: Int, elapsed: Double, loss: Double) {
        guard style == .bar else { return }
        let done = Double(samples) / Double(max(total, 1))
        let filled = Int(done * Double(width))
        let bar = String(repeating: "=", count: max(0, filled - 1)) + (filled > 0 ? (samples < total ? ">" : "=") : "")
            + String(repeating: ".", count: width - filled)
        let eta = done > 0 ? elapsed * (1 - done) / done : 0
        let line = String(format: "\r%d/%d [%@] - ETA: %@ - loss: %.4f - %.0f samples/s",
                          samples, total, bar, ProgressPrinter.duration(eta), loss, Double(samples) / max(elapsed, 1e-9))
        FileHandle.standardOutput.write(line.padding(toLength: max(line.count, 100), withPad: " ", startingAt: 0).data(using: .utf8)!)
    }

    func epochFinished(_ report: EpochReport) {
        let seconds = report.seconds < 1 ? String(format: "%.0fms", report.seconds * 1000) : String(format: "%.1fs", report.seconds)
        var parts = [seconds, String(format: "loss: %.4f", report.trainLoss)]
        if let validation = report.validationLoss { parts.append(String(format: "val_loss: %.4f", validation)) }
        for (name, value) in report.metrics.sorted(by: { $0.key < $1.key }) { parts.append(String(format: "%@: %.4f", name, value)) }
        parts.append(String(format: "lr: %.3g", report.learningRate))
        parts.append(String(format: "%.0f samples/s", report.samplesPerSecond))
        switch style {
        case .bar: print("\r" + String(repeating: " ", count: 110) + "\r" + parts.joined(separator: " - "))
        case .lines: print("Epoch \(report.epoch)/\(epochs) - " + parts.joined(separator: " - "))
        default: break
        }
        fflush(stdout)
    }

    static func duration(_ seconds: Double) -> String {
        seconds >= 60 ? String(format: "%d:%02d", Int(seconds) / 60, Int(seconds) % 60) : String(format: "%.0fs", seconds)
    }
}
