/// Inference with a trained module: evaluation mode (dropout off, BatchNorm's running statistics) and no
/// gradient recording, with the module's previous mode restored afterwards.
extension Module {
    /// Runs `body` in evaluation mode without recording gradients, then puts the module back in the mode it was in.
    ///
    /// ```swift
    /// let logits = model.evaluating { model(batch) }
    /// ```
    public func evaluating<Result>(_ body: () throws -> Result) rethrows -> Result {
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        return try Autograd.withoutGradient(body)
    }

    /// The module's outputs for every sample of `inputs` (along the first axis), computed `batchSize` samples at a
    /// time in evaluation mode without gradients, and joined in order. `inputs` holds at least one sample.
    ///
    /// ```swift
    /// let probabilities = model.predict(images, batchSize: 256).softmax(axis: -1)
    /// ```
    public func predict(_ inputs: Tensor, batchSize: Int) -> Tensor {
        let count = inputs.shape[0]
        precondition(batchSize > 0 && count > 0, "predict needs a positive batch size and at least one sample, found \(batchSize) and \(count)")
        return evaluating {
            let batches = stride(from: 0, to: count, by: batchSize).map { start in
                self(inputs.slice(axis: 0, start: start, end: min(start + batchSize, count)))
            }
            return Tensor.concat(batches, axis: 0)
        }
    }

    /// `predict` for inputs that may be streamed: batches are read on a loader thread while the previous one runs.
    /// Throws the source's error when a sample cannot be read.
    public func predict(_ inputs: Samples, batchSize: Int) throws -> Tensor {
        let count = inputs.count
        precondition(batchSize > 0 && count > 0, "predict needs a positive batch size and at least one sample, found \(batchSize) and \(count)")
        let batches = stride(from: 0, to: count, by: batchSize).map { Array($0..<min($0 + batchSize, count)) }
        let loader = BatchLoader(inputs, batches: batches)
        return try evaluating { Tensor.concat(try batches.map { _ in self(try loader.next()) }, axis: 0) }
    }
}
