import Foundation
import XCTest
@testable import Plexus

/// Golden values produced by `tools/make_golden.py` with PyTorch (committed JSON; CI needs no PyTorch).
struct GoldenTensor {
    let shape: [Int]
    let data: [Float]

    init(_ json: Any?) {
        let object = json as! [String: Any]
        shape = object["shape"] as! [Int]
        data = (object["data"] as! [NSNumber]).map { $0.floatValue }
    }

    func tensor(requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, scalars: data, requiresGrad: requiresGrad)
    }
}

struct GoldenCase {
    let name: String
    let op: String
    let attrs: [String: Any]
    let inputs: [GoldenTensor]
    let output: GoldenTensor
    let upstream: GoldenTensor
    let grads: [GoldenTensor?]
}

enum Golden {
    static func json(_ file: String) -> [String: Any] {
        let url = Bundle.module.url(forResource: file, withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    static func cases(_ file: String) -> [GoldenCase] {
        (json(file)["cases"] as! [[String: Any]]).map { c in
            GoldenCase(name: c["name"] as! String, op: c["op"] as! String, attrs: c["attrs"] as? [String: Any] ?? [:],
                       inputs: (c["inputs"] as! [Any]).map(GoldenTensor.init), output: GoldenTensor(c["output"]),
                       upstream: GoldenTensor(c["upstream"]),
                       grads: (c["grads"] as! [Any]).map { $0 is NSNull ? nil : GoldenTensor($0) })
        }
    }
}

/// Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise, reporting the worst element.
func assertClose(_ actual: [Float], _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-4,
                 _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): count", file: file, line: line)
    var worst: (index: Int, excess: Float)? = nil
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let excess = Swift.abs(a - e) - (atol + rtol * Swift.abs(e))
        if !(excess <= 0), worst == nil || excess > worst!.excess || excess.isNaN { worst = (i, excess) }
    }
    if let worst {
        XCTFail("\(message): element \(worst.index) is \(actual[worst.index]), expected \(expected[worst.index])", file: file, line: line)
    }
}

extension Dictionary where Key == String, Value == Any {
    func float(_ key: String) -> Float { (self[key] as! NSNumber).floatValue }
    func int(_ key: String) -> Int { (self[key] as! NSNumber).intValue }
    func axes(_ key: String = "axes") -> [Int]? { self[key] is NSNull ? nil : self[key] as? [Int] }
    func bool(_ key: String) -> Bool { self[key] as? Bool ?? false }
}
