import Plexus
import PlexusFormats

/// Model weights as safetensors bytes, keyed by PyTorch-style `state_dict` names, so the same file loads
/// into the equivalent PyTorch module with `model.load_state_dict(safetensors.torch.load_file(path))`.
public enum Checkpoint {
    public static func encode(_ model: Module, metadata: [String: String] = [:]) throws -> [UInt8] {
        var tensors: [String: SafetensorsTensor] = [:]
        for (name, tensor) in model.stateDict() {
            tensors[name] = SafetensorsTensor(shape: tensor.shape, values: tensor.scalars)
        }
        return try Safetensors.encode(tensors, metadata: metadata)
    }

    /// Loads weights into `model`; names and shapes must match exactly.
    public static func load(_ bytes: [UInt8], into model: Module, source: String) throws {
        let (tensors, _) = try Safetensors.decode(bytes, path: source)
        do {
            try model.loadStateDict(tensors.mapValues { Tensor(shape: $0.shape, scalars: $0.values) })
        } catch let error as ModuleError {
            throw FormatError(path: source, "weights do not fit the model: \(error.description)")
        }
    }
}
