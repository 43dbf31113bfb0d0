import Foundation
import Plexus

// The text the `anomaly` command prints, built here so the executable only prints.

extension Method {
    /// The name in reports.
    public var title: String { self == .autoencoder ? "autoencoder" : "intensity (baseline)" }
}

extension AnomalyTraining.Report {
    /// Each method's thresholds and the share of held-out normal scans they flag.
    public var thresholdTable: String {
        var table = TextTable(headers: ["method", "image threshold", "pixel threshold", "held-out normals flagged"])
        for method in Method.allCases {
            let threshold = thresholds[method]!
            table.add([method.title, String(format: "%.5f", threshold.image), String(format: "%.5f", threshold.pixel),
                       String(format: "%.1f%%", heldOutFlagged[method]! * 100)])
        }
        return table.rendered
    }

    /// How the thresholds were chosen, in one sentence.
    public var thresholdRule: String {
        let threshold = thresholds[.autoencoder]!
        return "Thresholds from \(heldOutScans) held-out normal scans (\(validation)): a scan is flagged above the \(threshold.quantile) quantile "
            + "of their scores; a pixel is marked above the \(threshold.pixelQuantile) quantile of their pixels."
    }
}

extension AnomalyScoring.Report {
    /// One line per scan: both methods' scores, calibrated scores and verdicts.
    public var scanTable: String {
        var header = ["scan"]
        if hasLabels { header.append("label") }
        for method in Method.allCases { header += ["\(method) score", "calibrated", "verdict"] }
        var table = TextTable(headers: header)
        for result in results {
            var row = [result.path]
            if hasLabels { row.append(result.label ?? "") }
            for method in Method.allCases {
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
        var table = TextTable(headers: ["metric"] + Method.allCases.map(\.title))
        for name in names where Method.allCases.contains(where: { metrics["\($0).\(name.key)"] != nil }) {
            table.add([name.title] + Method.allCases.map { method in metrics["\(method).\(name.key)"].map { String(format: "%.3f", $0) } ?? "n/a" })
        }
        return table.rendered
    }

    /// Which method did better on image AUROC, in words.
    public var verdict: String? {
        guard let model = metrics["autoencoder.image_auroc"], let baseline = metrics["intensity.image_auroc"] else { return nil }
        if model > baseline {
            return String(format: "The autoencoder beat the intensity baseline on image AUROC by %.3f.", model - baseline)
        }
        return String(format: "The autoencoder did not beat the intensity baseline on image AUROC (%.3f vs %.3f).", model, baseline)
    }

    /// Counts of flagged scans per method.
    public var flaggedSummary: String {
        Method.allCases.map { method in
            let flagged = results.filter { $0.verdicts[method]!.isAnomaly }.count
            return "\(method.title): \(flagged) of \(results.count) flagged (threshold \(String(format: "%.5f", thresholds[method]!.image)))"
        }.joined(separator: "; ")
    }
}
