/// Element-wise functions of one tensor. Parameters are part of the case so kernels can be fused and cached.
public enum UnaryOp: Hashable, Sendable {
    case neg, exp, log, sqrt, abs
    case relu, sigmoid, tanh, gelu
    case leakyRelu(slope: Float)
    case elu(alpha: Float)
    case softplus(beta: Float, threshold: Float)
    case pow(Float)
    case clamp(min: Float, max: Float)
    /// `scale * x + shift`: scalar arithmetic (`x * 2`, `x + 1`) without materialising the scalar.
    case affine(scale: Float, shift: Float)
}

/// Element-wise functions of two tensors with NumPy broadcasting.
public enum BinaryOp: Hashable, Sendable {
    case add, sub, mul, div
}

public enum ReduceOp: Hashable, Sendable {
    case sum, max, min
}

/// A strided view of a storage: which elements of a flat buffer form an n-d array.
/// A stride of 0 repeats an element (broadcasting).
public struct Layout: Sendable {
    public var shape: [Int]
    public var strides: [Int]
    public var offset: Int

    public init(shape: [Int], strides: [Int], offset: Int = 0) {
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// Row-major contiguous layout of `shape`.
    public init(contiguous shape: [Int]) {
        self.init(shape: shape, strides: Layout.contiguousStrides(shape))
    }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }
}

/// The kernels a device must provide. Every tensor op and every gradient rule is written in terms of these,
/// so a new backend (CUDA, Metal) implements this protocol and passes the same test suite.
///
/// All storages passed in belong to this backend's device; results are freshly allocated and contiguous
/// unless the method writes into a destination it is given.
public protocol Backend: AnyObject {
    var device: Device { get }

    func allocate(_ count: Int) -> Storage
    func upload(_ values: [Float]) -> Storage
    func download(_ storage: Storage, count: Int) -> [Float]
    func fill(_ storage: Storage, count: Int, value: Float)
    /// The values of `storage`, a tensor of `shape`, in `format` (the storage itself when it is in that format).
    func converted(_ storage: Storage, shape: [Int], to format: StorageFormat) -> Storage

    /// Element by element, so `x` may be in any format and the result is in the same.
    func unary(_ op: UnaryOp, _ x: Storage, count: Int) -> Storage
    /// Gradient of `unary(op, x)` given its input `x`, its output `y` and the output's gradient, all three in one format.
    func unaryBackward(_ op: UnaryOp, x: Storage, y: Storage, gradient: Storage, count: Int) -> Storage
    /// Plain storages, or two of one shape in the same format, whose contiguous layouts are then read element by
    /// element in that order; the result has their format.
    func binary(_ op: BinaryOp, _ a: Storage, _ aLayout: Layout, _ b: Storage, _ bLayout: Layout, outShape: [Int]) -> Storage
    /// Reduces a contiguous tensor of `shape` over `axes`; the result is contiguous with the reduced axes dropped.
    func reduce(_ op: ReduceOp, _ x: Storage, shape: [Int], axes: [Int]) -> Storage
    /// `out[b] = op(a[b]) · op(b[b])` for `batch` (m×k)·(k×n) products; a batch stride of 0 reuses one matrix.
    func matmul(_ a: Storage, _ b: Storage, batch: Int, m: Int, n: Int, k: Int,
                transposeA: Bool, transposeB: Bool, aBatchStride: Int, bBatchStride: Int) -> Storage
    /// Copies the elements of `source` seen through `from` into `destination` at `to` (same shape).
    func copy(_ source: Storage, _ from: Layout, into destination: Storage, _ to: Layout)
    /// Softmax (or log-softmax) over the middle axis of a tensor viewed as (outer, axis, inner).
    func softmax(_ x: Storage, outer: Int, axis: Int, inner: Int, log: Bool) -> Storage
    func softmaxBackward(y: Storage, gradient: Storage, outer: Int, axis: Int, inner: Int, log: Bool) -> Storage
    /// `out[o, j, i] = x[o, indices[j], i]`, or its adjoint (scatter-add into zeros of axis length `axis`).
    func indexSelect(_ x: Storage, outer: Int, axis: Int, inner: Int, indices: [Int]) -> Storage
    func indexAdd(_ gradient: Storage, outer: Int, axis: Int, inner: Int, indices: [Int]) -> Storage
    /// `out = condition != 0 ? a : b`, all three contiguous with the same count.
    func select(_ condition: Storage, _ a: Storage, _ b: Storage, count: Int) -> Storage
    /// `out = (x == y) ? 1 : 0` element-wise for same-shaped contiguous storages.
    func equalMask(_ x: Storage, _ y: Storage, count: Int) -> Storage

    // Recurrent layers (types in Backend/RecurrentTypes.swift).
    /// One LSTM or GRU layer over a whole batch-first sequence: the output (N, T, H) holds every step's hidden
    /// state. With `training`, also the workspace `recurrentBackward` reads (nil otherwise).
    func recurrentForward(_ shape: RecurrentShape, _ operands: RecurrentOperands<Storage>, training: Bool) -> (output: Storage, workspace: Storage?)
    /// Back-propagation through time of `recurrentForward`, from its output, its workspace and the output's
    /// gradient: the gradient of every operand (nil where the operand is nil).
    func recurrentBackward(_ shape: RecurrentShape, _ operands: RecurrentOperands<Storage>, output: Storage,
                           workspace: Storage, gradient: Storage) -> RecurrentOperands<Storage>

    // Normalisation and resampling (types in Ops/NormalizationOps.swift and Ops/UpsampleOps.swift).
    /// `(x − mean) / √(variance + ε) · weight + bias` with the statistics `kind` describes. Batch norm reads `x`
    /// (and `normalizeBackward` its gradient) in any format and returns the input's gradient and the output in
    /// the input's; layer norm's storages are plain. With `statistics` given
    /// (batch norm in evaluation mode) they are used as they are; otherwise they are computed from `x` and returned
    /// (mean and biased variance).
    func normalize(_ kind: Normalization, _ x: Storage, weight: Storage, bias: Storage,
                   statistics: NormalizationStatistics?, epsilon: Float) -> (output: Storage, statistics: NormalizationStatistics)
    /// Gradients of `normalize` for its input, weight and bias. `fixedStatistics`: the statistics were given
    /// (constants), not computed from `x`.
    func normalizeBackward(_ kind: Normalization, _ x: Storage, gradient: Storage, weight: Storage,
                           statistics: NormalizationStatistics, fixedStatistics: Bool, epsilon: Float)
        -> (input: Storage, weight: Storage, bias: Storage)
    func upsample(_ x: Storage, _ geometry: UpsampleGeometry) -> Storage
    /// The adjoint of `upsample`: each output gradient added back to the input pixels it was interpolated from.
    func upsampleBackward(_ gradient: Storage, _ geometry: UpsampleGeometry) -> Storage

    // Convolution and pooling of NCHW tensors with PyTorch's weight layouts (types in Ops/ConvolutionOps.swift
    // and Ops/PoolingOps.swift). `training`: the result will be back-propagated (otherwise a cheaper inference
    // kernel may run, and pooling keeps no workspace). These read image storages in any `StorageFormat` and may
    // return them in the one their kernels prefer; weights and their gradients are plain.
    func convolution(_ x: Storage, weight: Storage, bias: Storage?, _ geometry: ConvolutionGeometry, training: Bool) -> Storage
    /// Gradients of `convolution` from its output and the output's gradient: the input's when `inputGradient`, the
    /// weight's and (when the geometry has one) the bias's when `parameterGradients`; nil otherwise.
    func convolutionBackward(_ gradient: Storage, input: Storage, weight: Storage, output: Storage, _ geometry: ConvolutionGeometry,
                             inputGradient: Bool, parameterGradients: Bool) -> (input: Storage?, weight: Storage?, bias: Storage?)
    /// The pooled output and, for training max pooling, the workspace that records where each maximum was.
    func pool(_ x: Storage, _ geometry: PoolingGeometry, training: Bool) -> (output: Storage, workspace: Storage?)
    /// `inputFormat`: the format of the input the forward pass pooled, which its workspace depends on.
    func poolBackward(_ gradient: Storage, workspace: Storage?, _ geometry: PoolingGeometry, inputFormat: StorageFormat) -> Storage

    // Fused optimizer updates, in place on the parameter and state storages.
    func sgdStep(parameter: Storage, gradient: Storage, velocity: Storage?, count: Int, learningRate: Float,
                 momentum: Float, dampening: Float, nesterov: Bool, weightDecay: Float, firstStep: Bool)
    func adamStep(parameter: Storage, gradient: Storage, m: Storage, v: Storage, count: Int, learningRate: Float,
                  beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, decoupled: Bool, step: Int)
    /// Sum of squares, for gradient-norm clipping.
    func sumOfSquares(_ x: Storage, count: Int) -> Double
    /// `x *= factor` in place.
    func scale(_ x: Storage, count: Int, by factor: Float)
}
