import Foundation

/// What the users of one segment have in common.
public struct SegmentProfile: Sendable, Equatable {
    public let segment: Int
    public var name: String
    public let users: Int
    public let userShare: Double
    /// Share of all revenue; nil when the input has no amounts.
    public let revenueShare: Double?
    /// Median of each raw feature (in `UserFeatures.names` order): the typical member, in the log's own units
    /// (NaN for an empty segment).
    public let medians: [Double]
    /// Mean of each scaled feature (see `Scaler`): how many standard deviations the segment sits from all users, for
    /// shares in units of one event's spread (NaN when empty).
    public let levels: [Double]
}

/// Segment profiles and their names.
public enum Profiler {
    /// A feature level beyond ±`notable` standard deviations is worth a word in the segment's name.
    public static let notable = 0.5

    /// Profiles of segments `0..<k` (`labels` per user), named.
    public static func profiles(_ features: UserFeatures, standardized: Matrix, labels: [Int], k: Int) -> [SegmentProfile] {
        let n = features.values.rows
        let totalRevenue = features.revenue?.reduce(0, +) ?? 0
        let overallMedians = (0..<features.names.count).map { median(features.values.column($0)) }
        var profiles = (0..<k).map { segment -> SegmentProfile in
            let members = labels.indices.filter { labels[$0] == segment }
            // A segment can be empty when `assign` puts a newer log's users into stored segments: it has no typical member.
            let medians = (0..<features.names.count).map { c in members.isEmpty ? .nan : median(members.map { features.values[$0, c] }) }
            let levels = (0..<standardized.columns).map { c in
                members.isEmpty ? .nan : members.reduce(0) { $0 + standardized[$1, c] } / Double(members.count)
            }
            let revenue = features.revenue.map { values in members.reduce(0) { $0 + values[$1] } }
            return SegmentProfile(segment: segment, name: "", users: members.count, userShare: Double(members.count) / Double(n),
                                  revenueShare: revenue.map { totalRevenue > 0 ? $0 / totalRevenue : 0 },
                                  medians: medians, levels: levels)
        }
        let names = profiles.map { profile in
            features.schema == nil ? genericName(profile, features.names)
                                   : behaviourName(profile, features.names, overallMedians: overallMedians)
        }
        for (index, name) in distinguished(names, profiles, features.names).enumerated() { profiles[index].name = name }
        return profiles
    }

    /// The order segments are numbered in: by share of revenue when there are amounts, else by size, largest first.
    public static func order(labels: [Int], k: Int, revenue: [Double]?) -> [Int] {
        var weight = [Double](repeating: 0, count: k)
        for (user, label) in labels.enumerated() { weight[label] += revenue?[user] ?? 1 }
        var sizes = [Int](repeating: 0, count: k)
        for label in labels { sizes[label] += 1 }
        return (0..<k).sorted { (weight[$0], sizes[$0], -$0) > (weight[$1], sizes[$1], -$1) }
    }

    /// A name from the RFM vocabulary marketers use, built from the profile of an event-log segment: an activity
    /// word (new, active, at-risk, lapsed), a value word (top-value, high-value, low-value) and a frequency word
    /// (one-time, very frequent, frequent, occasional), e.g. "lapsed one-time", "high-value frequent"; the best
    /// customers on all three counts are "champions". Words come from the segment's mean standardised level
    /// (beyond ±0.5 a word, beyond ±1 the stronger value and frequency words), so they are relative to this
    /// population: "active" means "bought more recently than most", not "within the last week".
    static func behaviourName(_ profile: SegmentProfile, _ names: [String], overallMedians: [Double]) -> String {
        func level(_ feature: String) -> Double { names.firstIndex(of: feature).map { profile.levels[$0] } ?? 0 }
        func typical(_ feature: String) -> Double { names.firstIndex(of: feature).map { profile.medians[$0] } ?? 0 }
        let recency = level("recency_days"), frequency = level("frequency"), value = level("monetary_total")
        let oneTime = typical("frequency") <= 1
        // "New" is absolute, not relative: the typical member arrived within the last quarter of the typical tenure.
        let tenureIndex = names.firstIndex(of: "tenure_days")!
        let new = recency < -notable && typical("tenure_days") <= 0.25 * overallMedians[tenureIndex]
        let valueWord = value > 2 * notable ? "top-value" : value > notable ? "high-value" : value < -notable ? "low-value" : ""
        let frequencyWord = oneTime ? "one-time" : frequency > 2 * notable ? "very frequent" : frequency > notable ? "frequent" : "occasional"
        let activity: String
        if new {
            activity = "new"
        } else if recency < -notable {
            activity = "active"
        } else if recency > notable {
            activity = !oneTime && (value > notable || frequency > notable) ? "at-risk" : "lapsed"
        } else {
            activity = ""
        }
        if activity == "active" && valueWord == "top-value" && frequencyWord == "very frequent" { return "champions" }
        return [activity, valueWord, frequencyWord].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// For a per-user table, whose columns mean nothing known: its two most distinctive features, e.g.
    /// "high visits, low basket".
    static func genericName(_ profile: SegmentProfile, _ names: [String]) -> String {
        let notableFeatures = profile.levels.indices.filter { abs(profile.levels[$0]) > notable }
            .sorted { abs(profile.levels[$0]) > abs(profile.levels[$1]) }.prefix(2)
        guard !notableFeatures.isEmpty else { return "typical" }
        return notableFeatures.map { (profile.levels[$0] > 0 ? "high " : "low ") + names[$0] }.joined(separator: ", ")
    }

    /// Segments that got the same name are told apart by the feature on which they differ most from the
    /// group's average, e.g. "lapsed one-time (higher monetary_mean)"; a number settles any remaining tie.
    static func distinguished(_ names: [String], _ profiles: [SegmentProfile], _ features: [String]) -> [String] {
        var result = names
        for name in Set(names) {
            let group = names.indices.filter { names[$0] == name }
            guard group.count > 1 else { continue }
            let centre = features.indices.map { c in group.reduce(0) { $0 + profiles[$1].levels[c] } / Double(group.count) }
            for member in group {
                let deviations = features.indices.map { profiles[member].levels[$0] - centre[$0] }
                let strongest = deviations.indices.max { abs(deviations[$0]) < abs(deviations[$1]) }!
                result[member] = "\(name) (\(deviations[strongest] > 0 ? "higher" : "lower") \(features[strongest]))"
            }
        }
        var seen: [String: Int] = [:]
        for index in result.indices {
            seen[result[index], default: 0] += 1
            if seen[result[index]]! > 1 { result[index] += " #\(seen[result[index]]!)" }
        }
        return result
    }

    /// The median; the mean of the two middle values for an even count.
    static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "the median of no values")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
