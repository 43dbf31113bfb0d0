import Foundation
import XCTest
@testable import ClusterPipeline

/// k-means and the validity scores against scikit-learn (`tools/make_kmeans_fixtures.py`).
final class KMeansTests: XCTestCase {
    struct Fixtures: Decodable {
        struct DataSet: Decodable {
            let name: String
            let rows: Int
            let columns: Int
            let data: [Double]
        }
        struct Case: Decodable {
            let dataset: String
            let k: Int
            let inertia: Double
            let labels: [Int]
            let silhouette: Double
            let davies_bouldin: Double
            let calinski_harabasz: Double
        }
        let datasets: [DataSet]
        let cases: [Case]
    }

    /// The fixture file sits next to this source file (the package declares no test resources for this target).
    static let fixtures: Fixtures = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/kmeans.json")
        return try! JSONDecoder().decode(Fixtures.self, from: Data(contentsOf: url))
    }()

    func cases() -> [(name: String, data: Matrix, expected: Fixtures.Case)] {
        let sets = Dictionary(uniqueKeysWithValues: Self.fixtures.datasets.map { ($0.name, $0) })
        return Self.fixtures.cases.map { item in
            let set = sets[item.dataset]!
            return ("\(item.dataset) k=\(item.k)", Matrix(rows: set.rows, columns: set.columns, values: set.data), item)
        }
    }

    func testInertiaMatchesScikitLearnWithinOnePercent() {
        XCTAssertEqual(cases().count, 11)
        for (name, data, expected) in cases() {
            let result = KMeans(clusters: expected.k, seed: 0).fit(data)
            let gap = (result.inertia - expected.inertia) / expected.inertia
            XCTAssertLessThan(abs(gap), 0.01, "\(name): inertia \(result.inertia), scikit-learn \(expected.inertia)")
            XCTAssertEqual(Set(result.labels).count, expected.k, name)
            // The inertia is what the labels and centroids say it is.
            let recomputed = (0..<data.rows).reduce(0.0) { $0 + squaredDistance(data.row($1), result.centroids.row(result.labels[$1])) }
            assertClose(result.inertia, recomputed, 1e-9, name)
        }
    }

    func testScoresMatchScikitLearnOnItsLabels() {
        for (name, data, expected) in cases() {
            assertClose(ClusterScores.silhouettes(data, labelings: [expected.labels])[0], expected.silhouette, 1e-4, "\(name) silhouette")
            assertClose(ClusterScores.daviesBouldin(data, labels: expected.labels), expected.davies_bouldin, 1e-9, "\(name) Davies-Bouldin")
            assertClose(ClusterScores.calinskiHarabasz(data, labels: expected.labels), expected.calinski_harabasz, 1e-9,
                        "\(name) Calinski-Harabasz")
        }
    }

    /// Scoring several labelings in one pass gives each the score it gets alone.
    func testSilhouettesOfSeveralLabelingsAtOnce() {
        let all = cases().filter { $0.expected.k != 8 && $0.name.hasPrefix("blobs") }
        let together = ClusterScores.silhouettes(all[0].data, labelings: all.map(\.expected.labels))
        for (index, item) in all.enumerated() { assertClose(together[index], item.expected.silhouette, 1e-4, item.name) }
    }

    /// One restart instead of ten never finds a better optimum than the best of ten.
    func testRestartsKeepTheBest() {
        let (_, data, expected) = cases().first { $0.name == "stretched k=6" }!
        let ten = KMeans(clusters: expected.k, initializations: 10, seed: 3).fit(data)
        for seed in 0..<5 as Range<UInt64> {
            XCTAssertGreaterThanOrEqual(KMeans(clusters: expected.k, initializations: 1, seed: seed).fit(data).inertia, ten.inertia * 0.999)
        }
    }

    func testSameSeedSameClusters() {
        let (_, data, expected) = cases().first { $0.name == "uniform k=7" }!
        let a = KMeans(clusters: expected.k, seed: 11).fit(data), b = KMeans(clusters: expected.k, seed: 11).fit(data)
        XCTAssertEqual(a.labels, b.labels)
        XCTAssertEqual(a.centroids, b.centroids)
    }

    /// Well-separated planted clusters come back exactly, whatever the label numbers.
    func testPlantedClustersAreRecovered() {
        var rng = SplitMix(seed: 5)
        let centres: [[Double]] = [[0, 0, 0, 0, 0], [6, 0, 0, 6, 0], [0, 6, 6, 0, 0], [6, 6, 0, 0, 6]]
        var rows: [[Double]] = [], truth: [Int] = []
        for (cluster, centre) in centres.enumerated() {
            for _ in 0..<100 {
                rows.append(centre.map { $0 + Double(rng.next(2001) - 1000) / 1000 })
                truth.append(cluster)
            }
        }
        let result = KMeans(clusters: 4, seed: 1).fit(Matrix(rows))
        XCTAssertEqual(ClusterScores.adjustedRandIndex(result.labels, truth), 1, accuracy: 1e-12)
    }

    func testAdjustedRandIndex() {
        XCTAssertEqual(ClusterScores.adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]), 1)
        // The values of scikit-learn's adjusted_rand_score on the same labelings.
        XCTAssertEqual(ClusterScores.adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]), 0.5714285714285714, accuracy: 1e-12)
        XCTAssertEqual(ClusterScores.adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]), -0.36363636363636365, accuracy: 1e-12)
        XCTAssertEqual(ClusterScores.adjustedRandIndex([0, 0, 1, 1, 2, 2], [0, 0, 1, 2, 2, 2]), 0.4444444444444444, accuracy: 1e-12)
    }

    /// The covariance eigen-decomposition recovers known axes and variances (to float32 GEMM precision).
    func testPCA() {
        // Points along (1, 2) with a ±0.1 wiggle along the orthogonal (-2, 1).
        let rows = (0..<50).map { i -> [Double] in
            let t = Double(i) - 24.5, wiggle = i % 2 == 0 ? 0.1 : -0.1
            return [t - 2 * wiggle / 5.squareRoot(), 2 * t + wiggle / 5.squareRoot()]
        }
        let pca = PCA.fit(Matrix(rows))
        let direction = [1 / 5.squareRoot(), 2 / 5.squareRoot()]
        assertClose(pca.components[0, 0], direction[0], 1e-4)
        assertClose(pca.components[0, 1], direction[1], 1e-4)
        let ts = (0..<50).map { Double($0) - 24.5 }
        assertClose(pca.variances[0], ts.reduce(0) { $0 + $1 * $1 } / 50 * 5, 1e-4)
        XCTAssertEqual(pca.variances[1], 0.01, accuracy: 1e-3)
        assertClose(pca.reconstructionError(dimensions: 1), pca.variances[1] / 2, 1e-12)
    }
}
