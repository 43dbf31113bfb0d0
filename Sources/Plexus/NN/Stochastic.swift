/// A module that draws random numbers while it trains (dropout masks, data augmentation, input noise) from a
/// generator of its own.
///
/// Adopting it lets `TrainingState` save the generator after an epoch and restore it on resume, so a resumed run
/// draws the same numbers as an uninterrupted one. Modules are found by walking `children`, so a stochastic layer
/// must be reachable there (it may be a child without parameters; that changes no state-dict name).
///
/// ```swift
/// final class Noise: Module, Stochastic {
///     var randomGenerator = RandomGenerator(seed: 1)
///     override func forward(_ x: Tensor) -> Tensor { isTraining ? x + Tensor.normal(x.shape, using: &randomGenerator) : x }
/// }
/// ```
public protocol Stochastic: AnyObject {
    var randomGenerator: RandomGenerator { get set }
}

extension Module {
    /// The generator of every `Stochastic` module in the tree, by the module's name in `namedModules()`.
    public func randomStreams() -> [String: RandomGenerator] {
        Dictionary(uniqueKeysWithValues: stochasticModules().map { ($0.name, $0.module.randomGenerator) })
    }

    /// Sets the generators saved by `randomStreams()`; the names must be exactly this tree's stochastic modules.
    public func restoreRandomStreams(_ streams: [String: RandomGenerator]) throws {
        let modules = stochasticModules()
        let names = Set(modules.map(\.name))
        if let extra = streams.keys.sorted().first(where: { !names.contains($0) }) {
            throw ModuleError("random stream for '\(extra)', which is not a stochastic module of this model")
        }
        if let missing = modules.first(where: { streams[$0.name] == nil }) {
            throw ModuleError("no random stream for the stochastic module '\(missing.name)'")
        }
        for (name, module) in modules { module.randomGenerator = streams[name] ?? module.randomGenerator }
    }

    private func stochasticModules() -> [(name: String, module: Stochastic)] {
        namedModules().compactMap { name, module in (module as? Stochastic).map { (name, $0) } }
    }
}
