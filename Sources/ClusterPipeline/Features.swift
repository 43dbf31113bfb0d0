import Foundation
import PlexusFormats

/// Which features an event log yields, fixed when a run is trained so that `assign` builds exactly the same
/// columns from a newer log (whose event types or categories may differ).
public struct FeatureSchema: Codable, Equatable, Sendable {
    public var amounts: Bool
    /// Whether the times carry hours (not only dates): adds the four day-part shares.
    public var clockTimes: Bool
    /// Event types and categories with a share feature each (the most frequent ones, at most `maxShares`).
    public var eventTypes: [String]
    public var categories: [String]
    /// Population share of each share feature, by feature name: what a user with few events is pulled towards.
    public var priors: [String: Double]

    public static let dayParts = ["night", "morning", "afternoon", "evening"]

    public var names: [String] {
        var names = ["recency_days", "frequency"]
        if amounts { names += ["monetary_total", "monetary_mean"] }
        names += ["tenure_days", "mean_gap_days", "gap_cv", "weekend_share"]
        if clockTimes { names += Self.dayParts.map { "\($0)_share" } }
        names += eventTypes.map { "event_\(Self.slug($0))_share" }
        names += categories.map { "category_\(Self.slug($0))_share" }
        return names
    }

    /// A name usable in a feature name: lowercase letters, digits and underscores.
    static func slug(_ text: String) -> String {
        let mapped = text.lowercased().unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "_" }
        return String(mapped).split(separator: "_").joined(separator: "_")
    }
}

/// Per-user features, before any transformation: one row per user.
public struct UserFeatures: Sendable {
    public let userIDs: [String]
    public let names: [String]
    public let values: Matrix
    /// Total amount per user, when the input has amounts.
    public let revenue: [Double]?
    /// nil for a per-user table.
    public let schema: FeatureSchema?
    /// The reference instant for recency and tenure, and how many events after it were left out.
    public let asOf: EventTime?
    public let eventsAfterAsOf: Int
}

/// Builds per-user features from an event log: recency, frequency, monetary value (total and mean), tenure, the
/// rhythm of activity (mean gap between events and its coefficient of variation), the weekend and day-part shares
/// of activity, and the shares of event types and categories.
///
/// Shares are smoothed towards the population's share with `priorEvents` pseudo-events (an empirical-Bayes
/// estimate): a user seen once on a Saturday is not a "100% weekend" user, which would otherwise make every
/// one-time user an extreme point of the share features.
public enum FeatureBuilder {
    public static let priorEvents = 5.0
    /// Event types and categories beyond the most frequent `maxShares` get no feature of their own.
    public static let maxShares = 8
    static let secondsPerDay = 86_400.0

    /// Chooses the features for `log` (as of `asOf`, default its last event) and builds them.
    public static func fit(_ log: EventLog, asOf: EventTime?) throws -> UserFeatures {
        let reference = asOf ?? log.times.max { $0.seconds < $1.seconds }!
        let kept = log.times.indices.filter { log.times[$0].seconds <= reference.seconds }
        guard !kept.isEmpty else { throw FormatError(path: log.path, "no events on or before the as-of date \(reference.iso8601)") }
        func topShares(_ index: [Int]?, _ names: [String]?) -> [String] {
            guard let index, let names, names.count >= 2 else { return [] }
            var counts = [Int](repeating: 0, count: names.count)
            for event in kept where index[event] >= 0 { counts[index[event]] += 1 }
            let used = counts.indices.filter { counts[$0] > 0 }
            guard used.count >= 2 else { return [] }
            return used.sorted { (counts[$0], names[$1]) > (counts[$1], names[$0]) }.prefix(maxShares).map { names[$0] }
        }
        let hours = Set(kept.compactMap { log.times[$0].localHour })
        var schema = FeatureSchema(amounts: log.amounts != nil, clockTimes: hours.count > 1,
                                   eventTypes: topShares(log.events, log.eventTypes),
                                   categories: topShares(log.categories, log.categoryNames), priors: [:])
        // Priors: each share's value over all kept events.
        let counts = shareCounts(log, events: kept, schema: schema)
        for (name, count) in zip(shareNames(schema), counts.hits) { schema.priors[name] = count / max(counts.total, 1) }
        return try build(log, schema: schema, asOf: reference)
    }

    /// Builds the features `schema` describes (from a trained run) for `log`, as of `asOf` (default its last event).
    public static func build(_ log: EventLog, schema: FeatureSchema, asOf: EventTime?) throws -> UserFeatures {
        let reference = asOf ?? log.times.max { $0.seconds < $1.seconds }!
        if schema.amounts && log.amounts == nil {
            throw FormatError(path: log.path, "the segments were built with amounts; this log has no amount column (--amount-column)")
        }
        var byUser = [[Int]](repeating: [], count: log.userIDs.count)
        var after = 0
        for event in log.times.indices {
            if log.times[event].seconds <= reference.seconds { byUser[log.users[event]].append(event) } else { after += 1 }
        }
        let present = byUser.indices.filter { !byUser[$0].isEmpty }
        guard !present.isEmpty else { throw FormatError(path: log.path, "no events on or before the as-of date \(reference.iso8601)") }
        let names = schema.names
        let shares = shareNames(schema)
        var values: [Double] = []
        values.reserveCapacity(present.count * names.count)
        var revenue: [Double] = []
        for user in present {
            let events = byUser[user].sorted { log.times[$0].seconds < log.times[$1].seconds }
            let seconds = events.map { log.times[$0].seconds }
            let count = Double(events.count)
            let gaps = zip(seconds.dropFirst(), seconds).map { ($0 - $1) / secondsPerDay }
            let recency = (reference.seconds - seconds.last!) / secondsPerDay
            var row = [recency, count]
            if schema.amounts {
                let amounts = events.map { log.amounts![$0] }
                let total = amounts.reduce(0, +)
                let paying = amounts.filter { $0 > 0 }.count
                row += [total, paying == 0 ? 0 : total / Double(paying)]
                revenue.append(total)
            }
            // A one-time user's only gap is still open: the time since their event, a lower bound on the real one.
            let meanGap = gaps.isEmpty ? recency : gaps.reduce(0, +) / Double(gaps.count)
            var variation = 0.0
            if gaps.count >= 2 && meanGap > 0 {
                let variance = gaps.reduce(0) { $0 + ($1 - meanGap) * ($1 - meanGap) } / Double(gaps.count)
                variation = variance.squareRoot() / meanGap
            }
            row += [(reference.seconds - seconds.first!) / secondsPerDay, meanGap, variation]
            let counts = shareCounts(log, events: events, schema: schema)
            for (name, hits) in zip(shares, counts.hits) {
                row.append((hits + priorEvents * schema.priors[name, default: 0]) / (counts.total + priorEvents))
            }
            values += row
        }
        return UserFeatures(userIDs: present.map { log.userIDs[$0] }, names: names,
                            values: Matrix(rows: present.count, columns: names.count, values: values),
                            revenue: schema.amounts ? revenue : nil, schema: schema, asOf: reference, eventsAfterAsOf: after)
    }

    /// The features of a per-user table, as given.
    public static func features(of table: UserTable) -> UserFeatures {
        UserFeatures(userIDs: table.userIDs, names: table.featureNames, values: table.values, revenue: table.revenue,
                     schema: nil, asOf: nil, eventsAfterAsOf: 0)
    }

    /// The share features in `schema.names` order, after the fixed ones.
    static func shareNames(_ schema: FeatureSchema) -> [String] {
        Array(schema.names.drop { !$0.hasSuffix("_share") })
    }

    /// For `events`: how many fall in each share feature's bucket, and the denominator (all events; for day parts,
    /// only events with a clock time).
    private static func shareCounts(_ log: EventLog, events: [Int], schema: FeatureSchema) -> (hits: [Double], total: Double) {
        var hits: [Double] = []
        hits.append(Double(events.filter { log.times[$0].weekday >= 5 }.count))
        if schema.clockTimes {
            // Day parts divide by the events that have a clock time, so their shares are comparable between users.
            var parts = [Double](repeating: 0, count: 4)
            for event in events { if let hour = log.times[event].localHour { parts[hour / 6] += 1 } }
            hits += parts
        }
        if let types = log.eventTypes, let index = log.events {
            hits += schema.eventTypes.map { type in Double(events.filter { types[index[$0]] == type }.count) }
        } else {
            hits += schema.eventTypes.map { _ in 0 }
        }
        if let names = log.categoryNames, let index = log.categories {
            hits += schema.categories.map { name in Double(events.filter { index[$0] >= 0 && names[index[$0]] == name }.count) }
        } else {
            hits += schema.categories.map { _ in 0 }
        }
        return (hits, Double(events.count))
    }
}

/// The transformation from raw features to the space k-means and the autoencoder see: `log1p` for skewed
/// non-negative features (sample skewness above 1, like counts and amounts), then standardisation to mean 0 and
/// variance 1. Fitted once per run and stored with it, so `assign` transforms a newer log the same way.
///
/// Shares (weekend, day parts, event types, categories) are centred the same way but divided by the spread of a
/// single event, √(p(1−p)) for the population share p, rather than by their spread across users. Divided by their
/// own spread, shares that are pure chance (the weekday of a one-time buyer's only purchase) would weigh as much as
/// recency or spend and split segments on noise; in units of one event, a share weighs in proportion to how strong a
/// habit it shows.
public struct Scaler: Codable, Equatable, Sendable {
    public var names: [String]
    public var logged: [Bool]
    public var means: [Double]
    /// Standard deviations (for shares, of a single event); 1 for a constant feature, which then carries no weight.
    public var scales: [Double]
    /// The event-log features these are; nil for a per-user table.
    public var schema: FeatureSchema?

    public static let skewThreshold = 1.0

    /// Fails when a feature's values are too large to standardise (a mean or spread that is not a finite number),
    /// naming the feature and `source`, the input file.
    public static func fit(_ features: UserFeatures, source: String) throws -> Scaler {
        let data = features.values
        let priors = features.schema?.priors ?? [:]
        var logged: [Bool] = []
        var transformed = data
        for c in 0..<data.columns {
            let column = data.column(c)
            let log = priors[features.names[c]] == nil && column.allSatisfy { $0 >= 0 } && skewness(column) > skewThreshold
            logged.append(log)
            if log { for r in 0..<data.rows { transformed[r, c] = Foundation.log1p(data[r, c]) } }
        }
        let means = transformed.columnMeans
        let scales = zip(features.names, transformed.columnVariances).map { name, variance -> Double in
            let spread = priors[name].map { ($0 * (1 - $0)).squareRoot() } ?? variance.squareRoot()
            return spread > 1e-6 ? spread : 1
        }
        if let column = means.indices.first(where: { !means[$0].isFinite || !scales[$0].isFinite }) {
            throw FormatError(path: source, "feature '\(features.names[column])': values too large to standardise")
        }
        return Scaler(names: features.names, logged: logged, means: means, scales: scales, schema: features.schema)
    }

    public func transform(_ raw: Matrix) -> Matrix {
        precondition(raw.columns == names.count, "scaler for \(names.count) features given \(raw.columns)")
        var result = raw
        for r in 0..<raw.rows {
            for c in 0..<raw.columns {
                let value = logged[c] ? Foundation.log1p(max(raw[r, c], 0)) : raw[r, c]
                result[r, c] = (value - means[c]) / scales[c]
            }
        }
        return result
    }

    /// Fisher-Pearson sample skewness (scipy.stats.skew's default); 0 for a constant column.
    static func skewness(_ values: [Double]) -> Double {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        var m2 = 0.0, m3 = 0.0
        for value in values {
            let d = value - mean
            m2 += d * d
            m3 += d * d * d
        }
        m2 /= n
        m3 /= n
        return m2 <= 1e-12 ? 0 : m3 / (m2 * m2.squareRoot())
    }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [UInt8](try encoder.encode(self))
    }

    public static func decode(_ bytes: [UInt8], source: String) throws -> Scaler {
        do { return try JSONDecoder().decode(Scaler.self, from: Data(bytes)) } catch {
            throw FormatError(path: source, "not a stored scaler (\(error.localizedDescription))")
        }
    }
}
