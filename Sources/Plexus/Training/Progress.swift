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

/// Formats and prints progress for `Trainer`. Everything goes through `print` and `fflush`, so the bar
/// and the epoch lines never overtake each other.
final class ProgressPrinter {
    let style: ProgressStyle
    let epochs: Int
    let width = 30
    private var samples = 0, total = 0, batches = 0

    init(style: ProgressStyle, epochs: Int) {
        self.style = style
        self.epochs = epochs
    }

    func epochStarted(_ epoch: Int) {
        batches = 0
        if style == .bar { print("Epoch \(epoch)/\(epochs)") }
    }

    /// Redraws the bar after a batch: samples done, ETA, running loss, throughput.
    func batchFinished(samples: Int, of total: Int, elapsed: Double, loss: Double) {
        (self.samples, self.total) = (samples, total)
        batches += 1
        guard style == .bar else { return }
        let done = Double(samples) / Double(max(total, 1))
        let eta = done > 0 ? elapsed * (1 - done) / done : 0
        let line = String(format: "%@ - ETA: %@ - loss: %.4f - %.0f samples/s", bar(done), ProgressPrinter.duration(eta), loss,
                          Double(samples) / max(elapsed, 1e-9))
        print("\r" + line.padding(toLength: max(line.count, 100), withPad: " ", startingAt: 0), terminator: "")
        fflush(stdout)
    }

    /// `12/50 [=====>........]`
    private func bar(_ done: Double) -> String {
        let filled = Int(done * Double(width))
        let head = filled == 0 ? "" : String(repeating: "=", count: filled - 1) + (samples < total ? ">" : "=")
        return "\(samples)/\(total) [" + head + String(repeating: ".", count: width - filled) + "]"
    }

    func epochFinished(_ report: EpochReport) {
        let perStep = report.seconds / Double(max(batches, 1))
        var parts = [ProgressPrinter.duration(report.seconds) + String(format: perStep < 0.01 ? " %.1fms/step" : " %.0fms/step", perStep * 1000),
                     String(format: "loss: %.4f", report.trainLoss)]
        if let validation = report.validationLoss { parts.append(String(format: "val_loss: %.4f", validation)) }
        for (name, value) in report.metrics.sorted(by: { $0.key < $1.key }) { parts.append(String(format: "%@: %.4f", name, value)) }
        parts.append(String(format: "lr: %.3g", report.learningRate))
        parts.append(String(format: "%.0f samples/s", report.samplesPerSecond))
        switch style {
        case .bar:
            let line = ([bar(1)] + parts).joined(separator: " - ")
            print("\r" + line.padding(toLength: max(line.count, 100), withPad: " ", startingAt: 0))
        case .lines: print("Epoch \(report.epoch)/\(epochs) - " + parts.joined(separator: " - "))
        default: break
        }
        fflush(stdout)
    }

    /// `0.42s`, `7s`, `2:05`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return String(format: "%.2fs", seconds) }
        return seconds >= 60 ? String(format: "%d:%02d", Int(seconds) / 60, Int(seconds) % 60) : String(format: "%.0fs", seconds)
    }
}
