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

/// The order in which a storage holds the elements of an (N, C, H, W) tensor.
///
/// Everything reads and writes `.plain` (row-major) storages. A backend's image kernels (convolution, pooling,
/// batch norm, and element-wise ops on their results) may leave their results in the order their fastest code
/// wants, so the next such kernel reads them without a conversion; anything else gets them converted to plain
/// once, through `Tensor.storage`.
public enum StorageFormat: Hashable, Sendable, CustomStringConvertible {
    case plain
    /// Channels in blocks of `n`: (N, C/n, H, W, n), oneDNN's `nChw16c` for n = 16. C is a multiple of `n`, so the
    /// storage has exactly the tensor's elements, in another order.
    case channelBlocked(Int)

    public var description: String {
        switch self {
        case .plain: return "plain"
        case .channelBlocked(let n): return "nChw\(n)c"
        }
    }
}

/// A flat block of Float32 memory owned by one device. Tensors share storages; storages never resize.
public final class Storage {
    public let device: Device
    public let count: Int
    /// How the elements are ordered; `.plain` unless a backend kernel chose its own order (see `StorageFormat`).
    public let format: StorageFormat
    /// Host memory for `.cpu`; a device pointer for other backends. Only the owning backend dereferences it.
    let pointer: UnsafeMutableRawPointer
    private let release: (UnsafeMutableRawPointer) -> Void
    /// A backend's copies of these values in other orders (a weight reordered for a convolution kernel's layout),
    /// by what they were made for. Every backend method that writes into the storage in place (an optimizer
    /// step, `assign`) empties it through `modified()`.
    var derived: [AnyHashable: Storage] = [:]

    init(device: Device, count: Int, format: StorageFormat = .plain, pointer: UnsafeMutableRawPointer,
         release: @escaping (UnsafeMutableRawPointer) -> Void) {
        self.device = device
        self.count = count
        self.format = format
        self.pointer = pointer
        self.release = release
    }

    /// Called by backend methods that overwrite the values in place: copies made from the old values are stale.
    func modified() {
        if !derived.isEmpty { derived.removeAll() }
    }

    deinit { release(pointer) }

    /// Typed view for CPU kernels.
    var floats: UnsafeMutablePointer<Float> {
        precondition(device == .cpu, "host access to \(device) memory")
        return pointer.assumingMemoryBound(to: Float.self)
    }
}
