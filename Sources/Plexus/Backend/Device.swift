/// Where a tensor's memory lives. Only the CPU exists today; a GPU backend adds a case and a folder
/// under `Backend/` implementing `Backend`, and nothing above the backend changes.
public enum Device: Hashable, Sendable, CustomStringConvertible {
    case cpu

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        }
    }

    /// The kernels for this device.
    var backend: Backend {
        switch self {
        case .cpu: return CPUBackend.shared
        }
    }
}

/// A flat block of Float32 memory owned by one device. Tensors share storages; storages never resize.
public final class Storage {
    public let device: Device
    public let count: Int
    /// Host memory for `.cpu`; a device pointer for other backends. Only the owning backend dereferences it.
    let pointer: UnsafeMutableRawPointer
    private let release: (UnsafeMutableRawPointer) -> Void

    init(device: Device, count: Int, pointer: UnsafeMutableRawPointer, release: @escaping (UnsafeMutableRawPointer) -> Void) {
        self.device = device
        self.count = count
        self.pointer = pointer
        self.release = release
    }

    deinit { release(pointer) }

    /// Typed view for CPU kernels.
    var floats: UnsafeMutablePointer<Float> {
        precondition(device == .cpu, "host access to \(device) memory")
        return pointer.assumingMemoryBound(to: Float.self)
    }
}
