/// What an optimizer has accumulated while training, so a resumed run continues exactly where it stopped
/// (part of a `TrainingState`).
///
/// Buffers are keyed by the parameter's position in `Optimizer.parameters` and the buffer's name, `"3.m"`:
/// positions, unlike object identities, are the same in a freshly built model.
public struct OptimizerState {
    public var learningRate: Float
    /// Updates applied so far, for Adam's bias correction (SGD does not count them and keeps 0).
    public var steps: Int
    /// Adam's `m` and `v`, SGD's `velocity`; a parameter that has not been updated yet has none.
    public var buffers: [String: Tensor]

    public init(learningRate: Float, steps: Int, buffers: [String: Tensor]) {
        self.learningRate = learningRate
        self.steps = steps
        self.buffers = buffers
    }

    /// Copies of each parameter's buffers, `perParameter[i][j]` named `"\(i).\(names[j])"`.
    init(learningRate: Float, steps: Int, names: [String], perParameter: [[Tensor]?]) {
        var buffers: [String: Tensor] = [:]
        for (index, tensors) in perParameter.enumerated() {
            for (name, tensor) in zip(names, tensors ?? []) { buffers["\(index).\(name)"] = tensor.copy() }
        }
        self.init(learningRate: learningRate, steps: steps, buffers: buffers)
    }

    /// The inverse of `init(…perParameter:)`: copies of each parameter's buffers in `names` order, nil where it has
    /// none. Throws when a buffer is missing, extra, or shaped unlike its parameter.
    func perParameter(names: [String], parameters: [Tensor]) throws -> [[Tensor]?] {
        guard steps >= 0 else { throw TrainingError.incompatibleState("optimizer step count \(steps) is negative") }
        let expected = Set(parameters.indices.flatMap { index in names.map { "\(index).\($0)" } })
        if let extra = buffers.keys.sorted().first(where: { !expected.contains($0) }) {
            throw TrainingError.incompatibleState("optimizer buffer '\(extra)' fits none of the \(parameters.count) parameters "
                                                  + "(expected \(names.joined(separator: ", ")) per parameter)")
        }
        return try parameters.enumerated().map { index, parameter in
            let found = names.map { buffers["\(index).\($0)"] }
            guard found.contains(where: { $0 != nil }) else { return nil }
            return try zip(names, found).map { name, tensor in
                guard let tensor else { throw TrainingError.incompatibleState("optimizer buffer '\(index).\(name)' is missing") }
                guard tensor.shape == parameter.shape else {
                    throw TrainingError.incompatibleState("optimizer buffer '\(index).\(name)' has shape \(tensor.shape), "
                                                          + "parameter \(index) has \(parameter.shape)")
                }
                return tensor.copy()
            }
        }
    }
}
