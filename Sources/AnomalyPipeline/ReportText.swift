import Foundation
import Plexus
import PlexusCharts

// The text the `anomaly` command prints, built here so the executable only prints.

extension Method {
    /// The name in reports.
    public var title: String {
        switch self {
        case .autoencoder: return "autoencoder"
        case .draem: return "draem"
        case .patchcore: return "patchcore"
        case .intensity: return "intensity (baseline)"
        case .ensemble: return "ensemble"
        }
    }

    var color: Color {
        switch self {
        case .autoencoder: return .red
        case .draem: return Color(hex: 0x2CA02C)
        case .patchcore: return Color(hex: 0xFF7F0E)
        case .intensity: return .blue
        case .ensemble: return Color(hex: 0x9467BD)
        }
    }
}

extension AnomalyTraining.Report {
    /// Each method's thresholds and the share of held-out normal scans they flag.
    public var thresholdTable: String {
        var table = TextTable(headers: ["method", "image threshold", "pixel threshold", "held-out normals flagged"])
        for method in methods {
            let threshold = thresholds[method]!
            table.add([method.title, String(format: "%.5f", threshold.image), String(format: "%.5f", threshold.pixel),
                       String(format: "%.1f%%", heldOutFlagged[method]! * 100)])
        }
        return table.rendered
    }

    /// A warning when the run trained on fewer normal scans than the detectors were seen to need.
    public var fewNormalWarning: String? {
        guard trainScans < AnomalyTraining.fewestNormalScans else { return nil }
        return "Warning: \(trainScans) training scans. On the brain-slice set the detectors were seen to work from \(AnomalyTraining.fewestNormalScans) "
            + "normal scans on; with fewer, expect noisier maps and thresholds (see notebooks-md/anomaly.md, \"How many normal scans\")."
            + (detector == .draem ? " For draem, raise --synthetic-copies so that scans x copies stays near 1,300: with 50 scans, 29 copies gave the image AUROC of all 166." : "")
    }

    /// How the thresholds were chosen, in one sentence.
    public var thresholdRule: String {
        let threshold = thresholds[detector.method]!
        return "Thresholds from \(heldOutScans) held-out normal scans (\(validation)): a scan is flagged above the \(threshold.quantile) quantile "
            + "of their scores; a pixel is marked above the \(threshold.pixelQuantile) quantile of their pixels."
    }
}

extension AnomalyScoring.Report {
    /// One line per scan: both methods' scores, calibrated scores and verdicts.
    public var scanTable: String {
        var header = ["scan"]
        if hasLabels { header.append("label") }
        for method in methods { header += ["\(method) score", "calibrated", "verdict"] }
        var table = TextTable(headers: header)
        for result in results {
            var row = [result.path]
            if hasLabels { row.append(result.label ?? "") }
            for method in methods {
                let verdict = result.verdicts[method]!
                row += [String(format: "%.5f", verdict.score), String(format: "%.3f", verdict.calibrated), verdict.isAnomaly ? "ANOMALY" : "normal"]
            }
            table.add(row)
        }
        return table.rendered
    }

    /// The model beside the baseline, metric by metric.
    public var metricsTable: String {
        var names: [(key: String, title: String)] = [("image_auroc", "image AUROC"), ("image_auprc", "image AUPRC"), ("f1", "F1 at the threshold"),
                                                     ("normal_flagged", "normal scans flagged"), ("abnormal_found", "abnormal scans found")]
        if hasMasks { names += [("pixel_auroc", "pixel AUROC"), ("dice", "Dice at the pixel threshold"), ("best_dice", "best Dice (ceiling)")] }
        var table = TextTable(headers: ["metric"] + methods.map(\.title))
        for name in names where methods.contains(where: { metrics["\($0).\(name.key)"] != nil }) {
            table.add([name.title] + methods.map { method in metrics["\(method).\(name.key)"].map { String(format: "%.3f", $0) } ?? "n/a" })
        }
        return table.rendered
    }

    /// Every method per kind of scan: image AUROC and, with masks, pixel AUROC and Dice at the pixel threshold (an
    /// abnormal kind against all normal scans, a normal kind against all abnormal scans); nil without kinds.
    public var kindTable: String? {
        guard kinds.count > 2 else { return nil }
        let columns: [(key: String, title: String)] = [("image_auroc", "AUROC")] + (hasMasks ? [("pixel_auroc", "pixel AUROC"), ("dice", "Dice")] : [])
        var table = TextTable(headers: ["kind", "scans"] + methods.flatMap { method in columns.map { "\(method) \($0.title)" } })
        for kind in kinds {
            table.add(["\(kind.kind) (\(kind.label))", "\(kind.count)"] + methods.flatMap { method in
                columns.map { column in metrics["\(method).\(kind.kind).\(column.key)"].map { String(format: "%.3f", $0) } ?? "n/a" }
            })
        }
        return table.rendered
    }

    /// Which method did best on image AUROC, beside the baseline, and how sure that is, in words.
    public var verdict: String? {
        guard let comparison else { return nil }
        let interval = String(format: "95%% bootstrap interval of the difference %+.3f to %+.3f, %d resamples of the scans",
                              comparison.interval.low, comparison.interval.high, comparison.resamples)
        if comparison.gain > 0 {
            return String(format: "Best on image AUROC: %@, %.3f against the intensity baseline's %.3f (%+.3f; %@)%@.", comparison.best.title,
                          comparison.bestAUROC, comparison.baselineAUROC, comparison.gain, interval,
                          comparison.interval.low > 0 ? "" : ": the interval includes 0, so the gain is not established")
        }
        return String(format: "No method beat the intensity baseline on image AUROC: the best, %@, reached %.3f against %.3f (%@).",
                      comparison.best.title, comparison.bestAUROC, comparison.baselineAUROC, interval)
    }

    /// Counts of flagged scans per method.
    public var flaggedSummary: String {
        methods.map { method in
            let flagged = results.filter { $0.verdicts[method]!.isAnomaly }.count
            return "\(method.title): \(flagged) of \(results.count) flagged (threshold \(String(format: "%.5f", thresholds[method]!.image)))"
        }.joined(separator: "; ")
    }
}
