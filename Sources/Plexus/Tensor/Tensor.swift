import Foundation

/// An n-dimensional array of Float32 values, row-major and contiguous, that records how it was computed
/// so gradients can flow back to the tensors it came from.
///
/// ```swift
/// let w = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
/// let loss = (w * w).sum()
/// loss.backward()
/// w.grad!.scalars   // [2, 4, 6, 8]
/// ```
public final class Tensor {
    public let shape: [Int]
    /// The values as the kernel that computed them left them: usually plain, but image kernels (convolution,
    /// pooling, batch norm, and element-wise ops on their results) keep the backend's faster order
    /// (`StorageFormat`) for the next such kernel to read as it is.
    private(set) var native: Storage
    private var plainCopy: Storage?
    /// Whether gradients flow to (or through) this tensor.
    public var requiresGrad: Bool
    /// The accumulated gradient of a leaf tensor after `backward()`.
    public var grad: Tensor?
    /// The operation that produced this tensor; nil for leaves, in no-grad mode, and once the graph is released.
    var op: Op?

    init(shape: [Int], storage: Storage, op: Op? = nil) {
        self.shape = shape
        self.native = storage
        self.op = op
        self.requiresGrad = op != nil
    }

    /// A tensor holding `scalars` (row-major) with the given shape.
    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false, device: Device = .cpu) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.init(shape: shape, storage: device.backend.upload(scalars))
        self.requiresGrad = requiresGrad
    }

    /// A rank-0 tensor.
    public convenience init(_ value: Float) {
        self.init(shape: [], scalars: [value])
    }

    /// The values in plain row-major order, which every kernel but the image kernels reads. A tensor in another
    /// order is converted once, on first use, and the plain copy kept.
    var storage: Storage {
        if native.format == .plain { return native }
        if let plainCopy { return plainCopy }
        let converted = backend.converted(native, shape: shape, to: .plain)
        plainCopy = converted
        return converted
    }

    public var device: Device { native.device }
    var backend: Backend { native.device.backend }
    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }

    /// The values, row-major.
    public var scalars: [Float] { backend.download(storage, count: count) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a single-element tensor, shape is \(shape)")
        return scalars[0]
    }

    var layout: Layout { Layout(contiguous: shape) }

    /// The same values, cut off from the graph.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: native)
    }

    /// An independent copy of the values, cut off from the graph.
    public func copy() -> Tensor {
        let out = backend.allocate(count)
        backend.copy(storage, layout, into: out, layout)
        return Tensor(shape: shape, storage: out)
    }

    /// Overwrites this tensor's values in place (parameter loading, optimizer state). Not recorded by autograd.
    public func assign(_ other: Tensor) {
        precondition(other.shape == shape, "assign: shape \(other.shape) does not match \(shape)")
        if native.format != .plain {
            // Parameters and optimizer state are plain; a kernel's result in another order gets a plain storage.
            native = backend.allocate(count)
            plainCopy = nil
        }
        backend.copy(other.storage, other.layout, into: native, layout)
    }

    /// Normalises a possibly negative axis.
    func axis(_ axis: Int, rankPlus extra: Int = 0) -> Int {
        let n = rank + extra
        let resolved = axis < 0 ? axis + n : axis
        precondition(resolved >= 0 && resolved < Swift.max(n, 1), "axis \(axis) out of range for rank \(rank)")
        return resolved
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = scalars.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(values)\(count > 8 ? ", …" : "")])"
    }
}
