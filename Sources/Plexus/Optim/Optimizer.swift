import Foundation

/// Updates parameters from their gradients. `learningRate` is settable so schedules can drive it.
public protocol Optimizer: AnyObject {
    var parameters: [Tensor] { get }
    var learningRate: Float { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// A copy of everything `step()` has accumulated, for a `TrainingState`.
    var state: OptimizerState { get }
    /// Continues from a saved `state`; throws, changing nothing, when it does not fit these parameters.
    func restore(_ state: OptimizerState) throws
}

extension Optimizer {
    public func zeroGrad() {
        for parameter in parameters { parameter.grad = nil }
    }
}

/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, as `torch.optim.SGD`.
///
/// ```swift
/// let optimizer = SGD(parameters: model.parameters(), learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    public let weightDecay: Float
    /// Momentum buffers by parameter position; nil until a parameter's first update with momentum.
    private var velocities: [Tensor?]

    public init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and no dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        velocities = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            let firstStep = velocities[index] == nil
            if momentum != 0 && firstStep { velocities[index] = Tensor.zeros(parameter.shape) }
            parameter.backend.sgdStep(parameter: parameter.storage, gradient: gradient.storage, velocity: velocities[index]?.storage,
                                      count: parameter.count, learningRate: learningRate, momentum: momentum,
                                      dampening: dampening, nesterov: nesterov, weightDecay: weightDecay, firstStep: firstStep)
        }
    }

    public var state: OptimizerState {
        OptimizerState(learningRate: learningRate, steps: 0, names: ["velocity"], perParameter: velocities.map { $0.map { [$0] } })
    }

    public func restore(_ state: OptimizerState) throws {
        velocities = try state.perParameter(names: ["velocity"], parameters: parameters).map { $0?.first }
        learningRate = state.learningRate
    }
}

/// Adam (`decoupledWeightDecay: false`, L2 penalty added to the gradient, as `torch.optim.Adam`) and
/// AdamW (decoupled decay applied to the weights, as `torch.optim.AdamW`).
public class Adam: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public let weightDecay: Float
    public let decoupledWeightDecay: Bool
    /// First and second moments by parameter position; nil until a parameter's first update.
    private var moments: [(m: Tensor, v: Tensor)?]
    private var steps = 0

    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        moments = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        steps += 1
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            let state = moments[index] ?? (Tensor.zeros(parameter.shape), Tensor.zeros(parameter.shape))
            moments[index] = state
            parameter.backend.adamStep(parameter: parameter.storage, gradient: gradient.storage, m: state.m.storage, v: state.v.storage,
                                       count: parameter.count, learningRate: learningRate, beta1: beta1, beta2: beta2,
                                       epsilon: epsilon, weightDecay: weightDecay, decoupled: decoupledWeightDecay, step: steps)
        }
    }

    public var state: OptimizerState {
        OptimizerState(learningRate: learningRate, steps: steps, names: ["m", "v"], perParameter: moments.map { $0.map { [$0.m, $0.v] } })
    }

    public func restore(_ state: OptimizerState) throws {
        moments = try state.perParameter(names: ["m", "v"], parameters: parameters).map { $0.map { ($0[0], $0[1]) } }
        steps = state.steps
        learningRate = state.learningRate
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's default decay of 0.01.
public final class AdamW: Adam {
    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                   epsilon: epsilon, weightDecay: weightDecay, decoupledWeightDecay: true)
    }
}

/// Rescales all gradients together so their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`. Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    let gradients = parameters.compactMap(\.grad)
    let total = Float(gradients.reduce(0.0) { $0 + $1.backend.sumOfSquares($1.storage, count: $1.count) }.squareRoot())
    let factor = maxNorm / (total + 1e-6)
    if factor < 1 {
        for gradient in gradients { gradient.backend.scale(gradient.storage, count: gradient.count, by: factor) }
    }
    return total
}
