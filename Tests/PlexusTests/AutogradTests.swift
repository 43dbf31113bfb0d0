import Foundation
import XCTest
@testable import Plexus

/// The autograd engine's contract: accumulation, no-grad mode, graph release, shared subexpressions.
final class AutogradTests: XCTestCase {
    func testGradientsAccumulateAcrossBackwardCalls() {
        let w = Tensor(shape: [3], scalars: [1, 2, 3], requiresGrad: true)
        (w * w).sum().backward()
        (w * 3).sum().backward()
        XCTAssertEqual(w.grad!.scalars, [2 + 3, 4 + 3, 6 + 3])
    }

    func testSharedSubexpressionGetsBothContributions() {
        let x = Tensor(shape: [2], scalars: [2, -1], requiresGrad: true)
        let y = x.exp()
        (y * y + y).sum().backward()   // d/dx (e^{2x} + e^x) = 2e^{2x} + e^x
        XCTAssertEqual(x.grad!.scalars[0], 2 * Foundation.exp(4) + Foundation.exp(2), accuracy: 1e-3)
        XCTAssertEqual(x.grad!.scalars[1], 2 * Foundation.exp(-2) + Foundation.exp(-1), accuracy: 1e-5)
    }

    func testNoGradModeRecordsNothing() {
        let w = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let y = Autograd.withoutGradient { (w * 2).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.op)
        XCTAssertTrue(Autograd.isEnabled)
    }

    func testGraphIsReleasedAfterBackwardUnlessRetained() {
        let w = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let hidden = w * w
        let loss = hidden.sum()
        loss.backward(retainGraph: true)
        XCTAssertNotNil(hidden.op)
        loss.backward()
        XCTAssertNil(hidden.op)
        XCTAssertNil(loss.op)
        XCTAssertEqual(w.grad!.scalars, [4, 8])
    }

    func testDeepGraphDoesNotOverflowTheStack() {
        let x = Tensor(shape: [1], scalars: [1], requiresGrad: true)
        var y = x
        for _ in 0..<20_000 { y = y * 1.0001 }
        y.sum().backward()
        XCTAssertEqual(x.grad!.item, Foundation.pow(1.0001, 20_000), accuracy: 1e-2)
    }
}

final class CreationTests: XCTestCase {
    func testCreationOps() {
        XCTAssertEqual(Tensor.zeros([2, 2]).scalars, [0, 0, 0, 0])
        XCTAssertEqual(Tensor.full([3], 2.5).scalars, [2.5, 2.5, 2.5])
        XCTAssertEqual(Tensor.arange(0, 5, step: 2).scalars, [0, 2, 4])
        XCTAssertEqual(Tensor.arange(3).scalars, [0, 1, 2])
    }

    func testSeededGeneratorsAreReproducibleWithTheRightMoments() {
        var a = RandomGenerator(seed: 7), b = RandomGenerator(seed: 7)
        let x = Tensor.normal([20_000], mean: 1, std: 2, using: &a)
        XCTAssertEqual(x.scalars, Tensor.normal([20_000], mean: 1, std: 2, using: &b).scalars)
        XCTAssertEqual(x.mean().item, 1, accuracy: 0.05)
        XCTAssertEqual(x.variance().item.squareRoot(), 2, accuracy: 0.05)
        let u = Tensor.uniform([20_000], low: -1, high: 3, using: &a).scalars
        XCTAssertGreaterThanOrEqual(u.min()!, -1)
        XCTAssertLessThan(u.max()!, 3)
        XCTAssertEqual(u.reduce(0, +) / Float(u.count), 1, accuracy: 0.05)
        // Pinned values: the stream must not change between releases or machines.
        var pinned = RandomGenerator(seed: 0)
        XCTAssertEqual(pinned.next(), 11_091_344_671_253_066_420)
    }

    func testInitializersHaveTheirDocumentedSpread() {
        var rng = RandomGenerator(seed: 1)
        let shape = [200, 300]  // fanOut 200, fanIn 300
        func std(_ t: Tensor) -> Float { t.variance().item.squareRoot() }
        func bound(_ t: Tensor) -> Float { t.abs().max().item }
        XCTAssertEqual(bound(Initializer.glorotUniform.make(shape, rng: &rng)), (6 / 500 as Float).squareRoot(), accuracy: 0.002)
        XCTAssertEqual(std(Initializer.glorotNormal.make(shape, rng: &rng)), (2 / 500 as Float).squareRoot(), accuracy: 0.002)
        XCTAssertEqual(bound(Initializer.heUniform.make(shape, rng: &rng)), (6 / 300 as Float).squareRoot(), accuracy: 0.002)
        XCTAssertEqual(std(Initializer.heNormal.make(shape, rng: &rng)), (2 / 300 as Float).squareRoot(), accuracy: 0.002)
        XCTAssertEqual(bound(Initializer.pytorchDefault.make(shape, rng: &rng)), 1 / (300 as Float).squareRoot(), accuracy: 0.002)
        XCTAssertEqual(Initializer.fans([8, 4, 3, 3]).fanIn, 36)
        XCTAssertEqual(Initializer.fans([8, 4, 3, 3]).fanOut, 72)
    }
}
