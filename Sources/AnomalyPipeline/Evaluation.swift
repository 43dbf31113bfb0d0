import Foundation
import Plexus
import PlexusKit

/// The threshold of one method and its 0-1 score, both from the scores of held-out normal scans only.
///
/// With only normal scans to go by, the threshold is a quantile of their scores: at 0.99, about 1 normal scan in
/// 100 is flagged, whatever the abnormal scans look like. The calibrated score of a scan is the share of held-out
/// normal scans that score lower: 0.5 is a typical normal scan, 1 is beyond every normal scan seen.
public struct Calibration: Sendable {
    public let normalScores: [Double]
    public let quantile: Double
    public let threshold: Double

    public init(normalScores: [Double], quantile: Double) {
        precondition(!normalScores.isEmpty, "a calibration needs at least one normal score")
        self.normalScores = normalScores.sorted()
        self.quantile = quantile
        threshold = Statistics.quantile(self.normalScores, quantile)
    }

    /// The share of held-out normal scores strictly below `score`: non-decreasing in `score`.
    public func calibrated(_ score: Double) -> Double {
        var low = 0, high = normalScores.count
        while low < high {
            let middle = (low + high) / 2
            if normalScores[middle] < score { low = middle + 1 } else { high = middle }
        }
        return Double(low) / Double(normalScores.count)
    }

    public func isAnomalous(_ score: Double) -> Bool { score > threshold }
}

/// Detection and segmentation metrics, as anomalib and the brain-MRI literature report them.
public enum DetectionMetrics {
    /// Area under the ROC curve: the probability that a random positive scores above a random negative, ties
    /// counting half (the Mann-Whitney U statistic). Nil when one class is missing.
    public static func auroc<Score: BinaryFloatingPoint>(_ scores: [Score], _ labels: [Bool]) -> Double? {
        let positives = labels.filter { $0 }.count, negatives = labels.count - positives
        guard positives > 0 && negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1  // the average rank of a run of ties
            for position in start...end where labels[order[position]] { rankSum += rank }
            start = end + 1
        }
        return (rankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
    }

    /// Average precision (area under the precision-recall curve, scikit-learn's step-wise definition); tied scores
    /// enter together. Nil without positives.
    public static func averagePrecision(_ scores: [Double], _ labels: [Bool]) -> Double? {
        let positives = labels.filter { $0 }.count
        guard positives > 0 else { return nil }
        var total = 0.0, previousRecall = 0.0
        sweep(scores, labels) { _, truePositives, falsePositives in
            let recall = Double(truePositives) / Double(positives)
            total += (recall - previousRecall) * Double(truePositives) / Double(truePositives + falsePositives)
            previousRecall = recall
        }
        return total
    }

    /// The ROC curve's points from (0, 0) to (1, 1), one per distinct score.
    public static func rocCurve(_ scores: [Double], _ labels: [Bool]) -> [(falsePositiveRate: Double, truePositiveRate: Double)] {
        let positives = Double(max(1, labels.filter { $0 }.count)), negatives = Double(max(1, labels.filter { !$0 }.count))
        var points = [(0.0, 0.0)]
        sweep(scores, labels) { _, truePositives, falsePositives in
            points.append((Double(falsePositives) / negatives, Double(truePositives) / positives))
        }
        return points
    }

    /// F1 of the positive class for 0/1 predictions.
    public static func f1(predicted: [Bool], labels: [Bool]) -> Double {
        let truePositives = zip(predicted, labels).filter { $0 && $1 }.count
        let predictedPositives = predicted.filter { $0 }.count, positives = labels.filter { $0 }.count
        return predictedPositives + positives == 0 ? 1 : 2 * Double(truePositives) / Double(predictedPositives + positives)
    }

    /// Dice overlap 2|P ∩ T| / (|P| + |T|) of predicted and true pixels (1 when both are empty): F1 over pixels.
    public static func dice(predicted: [Bool], truth: [Bool]) -> Double {
        f1(predicted: predicted, labels: truth)
    }

    /// The best Dice over every threshold, with that threshold: the upper bound of the brain-MRI literature
    /// (⌈Dice⌉), which needs the masks to pick and so is not a deployable number, only a ceiling.
    public static func bestDice(_ scores: [Float], truth: [Bool]) -> (dice: Double, threshold: Double) {
        let positives = truth.filter { $0 }.count
        var best = (dice: 0.0, threshold: Double.infinity)
        sweep(scores, truth) { score, truePositives, falsePositives in
            let dice = 2 * Double(truePositives) / Double(truePositives + falsePositives + positives)
            if dice > best.dice { best = (dice, Double(score)) }
        }
        return best
    }

    /// Walks the scores from highest to lowest and, after each run of equal scores, reports that score and how many
    /// positives and negatives score at least as high.
    static func sweep<Score: BinaryFloatingPoint>(_ scores: [Score], _ labels: [Bool], _ visit: (Score, Int, Int) -> Void) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0, falsePositives = 0
        for (position, index) in order.enumerated() {
            if labels[index] { truePositives += 1 } else { falsePositives += 1 }
            if position + 1 == order.count || scores[order[position + 1]] != scores[index] {
                visit(scores[index], truePositives, falsePositives)
            }
        }
    }
}

/// The method with the best image AUROC beside the intensity baseline, and how sure the difference is: a paired,
/// stratified bootstrap over the scans (normal and abnormal scans resampled separately, both methods on the same
/// resample), whose 2.5% and 97.5% quantiles bound the AUROC difference.
public struct Comparison: Sendable {
    public let best: Method
    public let bestAUROC: Double
    public let baselineAUROC: Double
    public let interval: (low: Double, high: Double)
    public let resamples: Int

    public var gain: Double { bestAUROC - baselineAUROC }

    init?(_ analyses: [Detector.Analysis], methods: [Method], metrics: [String: Double], resamples: Int = 1000, seed: UInt64 = 7) {
        let candidates = methods.filter { $0 != .intensity && metrics["\($0).image_auroc"] != nil }
        guard let best = candidates.max(by: { metrics["\($0).image_auroc"]! < metrics["\($1).image_auroc"]! }),
              let baseline = metrics["intensity.image_auroc"] else { return nil }
        let positives = analyses.indices.filter { analyses[$0].scan.label == "abnormal" }
        let negatives = analyses.indices.filter { analyses[$0].scan.label != "abnormal" }
        var rng = RandomGenerator(seed: seed)
        var differences: [Double] = []
        for _ in 0..<resamples {
            let sample = positives.map { _ in positives[Int(rng.next() % UInt64(positives.count))] }
                + negatives.map { _ in negatives[Int(rng.next() % UInt64(negatives.count))] }
            let labels = sample.map { analyses[$0].scan.label == "abnormal" }
            let auroc = { (method: Method) in DetectionMetrics.auroc(sample.map { analyses[$0].maps[method]!.score }, labels)! }
            differences.append(auroc(best) - auroc(.intensity))
        }
        differences.sort()
        self.best = best
        bestAUROC = metrics["\(best).image_auroc"]!
        baselineAUROC = baseline
        interval = (Statistics.quantile(differences, 0.025), Statistics.quantile(differences, 0.975))
        self.resamples = resamples
    }
}
