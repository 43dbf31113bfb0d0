import Foundation

/// The optimizers' update kernels: one pass over each parameter, reading and writing every element once, so the
/// loops vectorise (see `adamStep`).
extension CPUBackend {
    public func sgdStep(parameter: Storage, gradient: Storage, velocity: Storage?, count: Int, learningRate: Float,
                        momentum: Float, dampening: Float, nesterov: Bool, weightDecay: Float, firstStep: Bool) {
        parameter.modified()
        let p = parameter.floats, g = gradient.floats
        let v = velocity?.floats
        parallelFor(count) { range in
            for i in range {
                var d = g[i] + weightDecay * p[i]
                if let v {
                    // PyTorch: the first step seeds the buffer with the gradient itself (no dampening).
                    v[i] = firstStep ? d : momentum * v[i] + (1 - dampening) * d
                    d = nesterov ? d + momentum * v[i] : v[i]
                }
                p[i] -= learningRate * d
            }
        }
    }

    public func adamStep(parameter: Storage, gradient: Storage, m: Storage, v: Storage, count: Int, learningRate: Float,
                         beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, decoupled: Bool, step: Int) {
        parameter.modified()
        let p = parameter.floats, g = gradient.floats, ms = m.floats, vs = v.floats
        let correction1 = 1 - Foundation.pow(beta1, Float(step))
        let correction2 = 1 - Foundation.pow(beta2, Float(step))
        let stepSize = learningRate / correction1
        let sqrtCorrection2 = correction2.squareRoot()
        // Weight decay without a branch in the loop: AdamW shrinks the parameter, Adam adds it to the gradient (L2).
        let shrink: Float = decoupled ? 1 - learningRate * weightDecay : 1
        let l2: Float = decoupled ? 0 : weightDecay
        parallelFor(count) { range in
            // Each element is read once into locals and written once, so the loop vectorises.
            for i in range {
                let parameter = p[i]
                let d = g[i] + l2 * parameter
                let first = beta1 * ms[i] + (1 - beta1) * d
                let second = beta2 * vs[i] + (1 - beta2) * d * d
                ms[i] = first
                vs[i] = second
                p[i] = parameter * shrink - stepSize * first / (second.squareRoot() / sqrtCorrection2 + epsilon)
            }
        }
    }
}
