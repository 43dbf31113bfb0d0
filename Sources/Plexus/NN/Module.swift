/// A layer or a model: owns named parameters and sub-modules, and maps an input tensor to an output.
///
/// Names follow PyTorch's `state_dict` (`0.weight`, `fc.bias`), so weights saved by Plexus load by name
/// into the equivalent PyTorch module and back.
///
/// ```swift
/// final class TwoLayer: Module {
///     let hidden = Linear(inputSize: 2, outputSize: 8, rng: &rng)
///     let head = Linear(inputSize: 8, outputSize: 1, rng: &rng)
///     override var children: [(name: String, module: Module)] { [("hidden", hidden), ("head", head)] }
///     override func forward(_ x: Tensor) -> Tensor { head(hidden(x).relu()) }
/// }
/// ```
open class Module {
    /// Training mode (dropout active, batch statistics) or evaluation mode.
    public private(set) var isTraining = true

    public init() {}

    /// Direct sub-modules with their names.
    open var children: [(name: String, module: Module)] { [] }
    /// Trainable tensors owned directly by this module.
    open var ownParameters: [(name: String, tensor: Tensor)] { [] }
    /// Saved state that is not trained (e.g. BatchNorm running statistics).
    open var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    open func forward(_ x: Tensor) -> Tensor {
        preconditionFailure("\(type(of: self)) does not implement forward(_:)")
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }

    /// A short description of the layer's configuration for model summaries, e.g. `Linear(2 → 8)`.
    open var summaryName: String { String(describing: type(of: self)) }

    /// All trainable tensors, depth first, with dotted names.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        collect { $0.ownParameters }
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Parameters and buffers: everything a checkpoint holds.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        collect { $0.ownParameters + $0.ownBuffers }
    }

    /// Copies of `stateDict()` by name, unaffected by later training.
    func copiedState() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: stateDict().map { ($0.name, $0.tensor.copy()) })
    }

    /// This module (named "") and every sub-module, depth first, with dotted names.
    public func namedModules() -> [(name: String, module: Module)] {
        [("", self)] + children.flatMap { childName, child in
            child.namedModules().map { (($0.name.isEmpty ? childName : childName + "." + $0.name), $0.module) }
        }
    }

    private func collect(_ own: (Module) -> [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        var result = own(self)
        for (childName, child) in children {
            result += child.collect(own).map { (childName + "." + $0.name, $0.tensor) }
        }
        return result
    }

    /// Copies values by name into this module's parameters and buffers. Every name must be present with the
    /// right shape; extra names are errors too, so a mismatched architecture never loads silently.
    public func loadStateDict(_ values: [String: Tensor]) throws {
        try checkStateDict(values)
        for (name, tensor) in stateDict() {
            if let value = values[name] { tensor.assign(value) }  // always present once checked
        }
    }

    /// Throws what `loadStateDict` would, without loading anything.
    func checkStateDict(_ values: [String: Tensor]) throws {
        let own = stateDict()
        let expected = Set(own.map(\.name))
        if let extra = values.keys.filter({ !expected.contains($0) }).sorted().first {
            throw ModuleError("unexpected tensor '\(extra)' (the model has: \(own.map(\.name).joined(separator: ", ")))")
        }
        for (name, tensor) in own {
            guard let value = values[name] else { throw ModuleError("missing tensor '\(name)'") }
            guard value.shape == tensor.shape else {
                throw ModuleError("tensor '\(name)' has shape \(value.shape), the model expects \(tensor.shape)")
            }
        }
    }

    /// Switches this module and all sub-modules to training (`true`) or evaluation mode.
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, child) in children { child.train(on) }
    }

    public func eval() { train(false) }

    /// Clears the gradients of every parameter.
    public func zeroGrad() {
        for parameter in parameters() { parameter.grad = nil }
    }

    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }
}

public struct ModuleError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Tensor {
    /// Marks a freshly initialised tensor as a trainable parameter.
    func asParameter() -> Tensor {
        requiresGrad = true
        return self
    }
}
