import Foundation

/// Model inputs produced on demand, a batch at a time: files decoded when a batch needs them, so a data set larger
/// than memory can be trained on and predicted (PyTorch's map-style `Dataset` with a `DataLoader`, Keras's
/// `image_dataset_from_directory` without `.cache()`).
///
/// `load` runs on the loader thread (`BatchLoader`), so it must not touch shared mutable state: read files, decode,
/// write into `output`.
public protocol SampleSource: Sendable {
    /// How many samples there are.
    var count: Int { get }
    /// One sample's shape, e.g. [C, H, W].
    var sampleShape: [Int] { get }
    /// Writes samples `indices`, one after another, into `output` (`indices.count` times the sample's size).
    /// Throws a one-line error naming the file when a sample cannot be read.
    func load(_ indices: [Int], into output: UnsafeMutableBufferPointer<Float>) throws
}

/// A model's inputs along their first axis: one tensor in memory, or a `SampleSource` read batch by batch.
public struct Samples {
    enum Storage {
        case tensor(Tensor)
        case source(SampleSource, indices: [Int]?)
    }
    let storage: Storage

    /// Inputs held in memory, samples along the first axis.
    public init(_ tensor: Tensor) { storage = .tensor(tensor) }

    /// Inputs read from `source` as batches need them.
    public init(_ source: SampleSource) { storage = .source(source, indices: nil) }

    public var count: Int {
        switch storage {
        case .tensor(let tensor): return tensor.shape.first ?? 0
        case .source(let source, let indices): return indices?.count ?? source.count
        }
    }

    /// The samples as one tensor when they are in memory; nil when they are streamed.
    public var tensor: Tensor? {
        if case .tensor(let tensor) = storage { return tensor }
        return nil
    }

    /// Whether the samples are read from a source (batches are then prepared on a loader thread).
    public var isStreamed: Bool {
        if case .source = storage { return true }
        return false
    }

    /// Samples `indices` (in that order), still lazy when streamed.
    public func subset(_ indices: [Int]) -> Samples {
        switch storage {
        case .tensor(let tensor): return Samples(tensor.indexSelect(axis: 0, indices: indices))
        case .source(let source, let own): return Samples(storage: .source(source, indices: own.map { own in indices.map { own[$0] } } ?? indices))
        }
    }

    private init(storage: Storage) { self.storage = storage }

    /// The samples `indices` as one tensor, read now on this thread.
    public func batch(_ indices: [Int]) throws -> Tensor {
        switch storage {
        case .tensor(let tensor): return tensor.indexSelect(axis: 0, indices: indices)
        case .source(let source, _):
            return Tensor(shape: [indices.count] + source.sampleShape, scalars: try Samples.read(source, sourceIndices(indices)))
        }
    }

    /// The source's own indices of samples `indices` of this (perhaps subset) view.
    func sourceIndices(_ indices: [Int]) -> [Int] {
        guard case .source(_, let own?) = storage else { return indices }
        return indices.map { own[$0] }
    }

    static func read(_ source: SampleSource, _ indices: [Int]) throws -> [Float] {
        let size = source.sampleShape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: indices.count * size)
        try scalars.withUnsafeMutableBufferPointer { try source.load(indices, into: $0) }
        return scalars
    }
}

/// Hands out the batches of one pass over `samples` in order. For streamed samples a loader thread reads up to
/// `depth` batches ahead, so decoding the next batch overlaps with training on this one; memory holds at most
/// `depth + 1` batches whatever the data set's size. In-memory samples are sliced on the caller's thread.
///
/// ```swift
/// let loader = BatchLoader(samples, batches: [[0, 1], [2, 3]])
/// for _ in 0..<2 { let inputs = try loader.next(); … }
/// ```
public final class BatchLoader {
    private let samples: Samples
    private let batches: [[Int]]
    private var taken = 0
    /// Shared with the loader thread, which does not keep the loader alive: dropping the loader stops it.
    private let queue: LoaderQueue?

    public init(_ samples: Samples, batches: [[Int]], depth: Int = 2) {
        self.samples = samples
        self.batches = batches
        guard case .source(let source, _) = samples.storage else {
            queue = nil
            return
        }
        let queue = LoaderQueue(depth: max(1, depth))
        self.queue = queue
        let sourceBatches = batches.map(samples.sourceIndices)
        let thread = Thread { queue.produce(source, sourceBatches) }
        thread.name = "plexus-loader"
        thread.start()
    }

    deinit { queue?.stop() }

    /// The next batch's inputs, waiting for the loader thread when it is not ready yet; rethrows its read error.
    public func next() throws -> Tensor {
        let index = taken
        taken += 1
        guard let queue, case .source(let source, _) = samples.storage else { return try samples.batch(batches[index]) }
        return Tensor(shape: [batches[index].count] + source.sampleShape, scalars: try queue.take(index))
    }
}

/// The batches a loader thread has read and not yet handed out, at most `depth` ahead of the consumer.
private final class LoaderQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Result<[Float], Error>] = [:]
    private var taken = 0
    private var stopped = false
    private let depth: Int

    init(depth: Int) { self.depth = depth }

    func take(_ index: Int) throws -> [Float] {
        condition.lock()
        while ready[index] == nil { condition.wait() }
        let result = ready.removeValue(forKey: index)!
        taken = index + 1
        condition.broadcast()
        condition.unlock()
        return try result.get()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The loader thread's loop: reads each batch in turn, waiting while `depth` batches are ready and untaken;
    /// ends after the last batch, a read error, or `stop`.
    func produce(_ source: SampleSource, _ batches: [[Int]]) {
        for (index, indices) in batches.enumerated() {
            condition.lock()
            while index - taken >= depth && !stopped { condition.wait() }
            let stop = stopped
            condition.unlock()
            if stop { return }
            let result = Result { try Samples.read(source, indices) }
            condition.lock()
            ready[index] = result
            condition.broadcast()
            condition.unlock()
            if case .failure = result { return }
        }
    }
}
