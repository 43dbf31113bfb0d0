import Foundation
import Plexus

/// The tables `cluster` prints, as text (kept here so the executable only prints).
public enum ReportText {
    /// Features shown in the segment table of an event log, when present; a per-user table shows its first six.
    static let keyFeatures = ["recency_days", "frequency", "monetary_total", "monetary_mean", "tenure_days", "mean_gap_days"]

    /// One line per k tried, the chosen one marked with `*`.
    public static func search(_ variant: VariantReport) -> String {
        var table = ruledTable(["k", "inertia", "silhouette", "davies_bouldin", "calinski_harabasz", "iterations"])
        for (index, step) in variant.steps.enumerated() {
            table.add(["\(step.k)\(index == variant.chosen ? " *" : "")", String(format: "%.1f", step.inertia),
                       String(format: "%.4f", step.silhouette), String(format: "%.4f", step.daviesBouldin),
                       String(format: "%.1f", step.calinskiHarabasz), String(step.iterations)])
        }
        return table.rendered
    }

    /// Segment, name, size and share of users and revenue, and the median of the key features.
    public static func segments(_ profiles: [SegmentProfile], features: [String]) -> String {
        let shown = features.contains("recency_days") ? keyFeatures.filter(features.contains) : Array(features.prefix(6))
        let hasRevenue = profiles.contains { $0.revenueShare != nil }
        var header = ["segment", "name", "users", "share"]
        if hasRevenue { header.append("revenue") }
        var table = ruledTable(header + shown.map { "median \($0)" })
        for profile in profiles {
            var row = [String(profile.segment), profile.name, String(profile.users), percent(profile.userShare)]
            if hasRevenue { row.append(profile.revenueShare.map(percent) ?? "") }
            table.add(row + shown.map { ClusterPipeline.shortNumber(profile.medians[features.firstIndex(of: $0)!]) })
        }
        return table.rendered
    }

    /// The closing note: k, silhouettes of both variants, run time.
    public static func closing(_ report: RunReport) -> String {
        let used = report.usedVariant
        var parts = ["Run \(report.runID): k = \(used.best.k) on the \(used.name == "raw" ? "raw features" : "autoencoder embedding")"]
        for variant in report.variants {
            var text = "\(variant.name): k \(variant.best.k), silhouette \(String(format: "%.3f", variant.best.silhouette))"
            if variant.name != "raw" { text += String(format: " (%.3f measured in the feature space)", variant.silhouetteInFeatures) }
            parts.append(text)
        }
        if let agreement = report.agreement { parts.append(String(format: "agreement between the two (adjusted Rand) %.3f", agreement)) }
        parts.append(String(format: "%.1f s", report.seconds))
        return parts.joined(separator: "; ") + "."
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }

    /// Left-aligned columns, two spaces apart, with a rule under the header.
    static func ruledTable(_ headers: [String]) -> TextTable {
        var table = TextTable(headers.map { .left($0) })
        table.addRule()
        return table
    }
}
