import Foundation

/// Pure data functions applied before charting: a chart of 100,000 points stays small and quick to draw.
enum Downsampling {
    /// At most two points per pixel column: of the points (sorted by x) that fall in each of `columns` equal slices
    /// of the x range, the lowest and the highest, in x order. A line through them keeps every spike a denser line
    /// would show at that width. Series with at most `2 × columns` points come back unchanged.
    static func minMaxPerColumn(_ points: [(x: Double, y: Double)], columns: Int) -> [(x: Double, y: Double)] {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard columns > 0, finite.count > 2 * columns, let first = finite.first, let last = finite.last, last.x > first.x else {
            return finite
        }
        let width = (last.x - first.x) / Double(columns)
        var result: [(x: Double, y: Double)] = []
        result.reserveCapacity(2 * columns)
        var start = 0
        while start < finite.count {
            let column = min(columns - 1, Int((finite[start].x - first.x) / width))
            var end = start, low = start, high = start
            while end < finite.count, min(columns - 1, Int((finite[end].x - first.x) / width)) == column {
                if finite[end].y < finite[low].y { low = end }
                if finite[end].y > finite[high].y { high = end }
                end += 1
            }
            result.append(finite[min(low, high)])
            if low != high { result.append(finite[max(low, high)]) }
            start = end
        }
        return result
    }

    /// Exponential smoothing as TensorBoard's slider does it, debiased so the first values are not pulled towards 0:
    /// `weight` 0 leaves the series as it is, 0.99 smooths it heavily.
    static func smoothed(_ values: [Double], weight: Double) -> [Double] {
        guard weight > 0 else { return values }
        var average = 0.0, result: [Double] = []
        result.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            average = average * weight + (1 - weight) * value
            result.append(average / (1 - pow(weight, Double(index + 1))))
        }
        return result
    }
}
