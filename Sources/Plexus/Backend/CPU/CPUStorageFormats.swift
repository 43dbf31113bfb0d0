import CDNNL

/// Storage formats on oneDNN: what each `StorageFormat` is as a memory descriptor, which of a kernel's chosen layouts
/// a storage can keep, and the conversions between them.
///
/// oneDNN's convolution and pooling kernels are fastest on channels in blocks of 16 (`nChw16c`). A kernel's image
/// result stays in that order, so a chain of convolutions and poolings converts only where it starts and where it
/// ends (the first plain consumer, through `Tensor.storage`), not around every kernel.
extension StorageFormat {
    /// The memory descriptor of an (N, C, H, W) tensor of `dims` in this format.
    func descriptor(_ dims: [Int]) -> dnnl_memory_desc_t {
        switch self {
        case .plain: return OneDNN.memoryDescriptor(dims, OneDNN.plainTag(rank: dims.count))
        case .channelBlocked(16): return OneDNN.memoryDescriptor(dims, dnnl_nChw16c)
        case .channelBlocked(8): return OneDNN.memoryDescriptor(dims, dnnl_nChw8c)
        case .channelBlocked(let n): preconditionFailure("no oneDNN layout for channel blocks of \(n)")
        }
    }

    /// The format a kernel's `layout` for an image of `dims` is, when a storage can keep it: plain, or channel
    /// blocks of 8 or 16 that divide the channels (so the storage holds no padding). nil for any other layout.
    static func matching(_ layout: dnnl_memory_desc_t, dims: [Int]) -> StorageFormat? {
        var layout = layout
        let candidates: [StorageFormat] = dims.count == 4 ? [.plain, .channelBlocked(16), .channelBlocked(8)] : [.plain]
        return candidates.first { format in
            if case .channelBlocked(let n) = format, dims[1] % n != 0 { return false }
            var candidate = format.descriptor(dims)
            return dnnl_memory_desc_equal(&candidate, &layout) != 0
        }
    }
}

/// A memory descriptor as a dictionary key: its bytes (oneDNN builds descriptors zero-filled, so equal layouts
/// have equal bytes; a difference only costs a cache miss).
struct LayoutKey: Hashable {
    private let bytes: [UInt8]

    init(_ layout: dnnl_memory_desc_t) {
        var layout = layout
        bytes = withUnsafeBytes(of: &layout) { Array($0) }
    }
}

private struct ConversionKey: Hashable {
    let dims: [Int]
    let from: StorageFormat
    let to: StorageFormat
}

extension OneDNN {
    /// Row-major tags by rank: `a`, `ab`, … `abcde`.
    static func plainTag(rank: Int) -> dnnl_format_tag_t {
        [dnnl_a, dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd, dnnl_abcde][rank]
    }
}

extension CPUBackend {
    public func converted(_ storage: Storage, shape: [Int], to format: StorageFormat) -> Storage {
        guard storage.format != format else { return storage }
        let out = allocate(storage.count, format: format)
        let reorder = OneDNN.shared.cached(ConversionKey(dims: shape, from: storage.format, to: format)) {
            OneDNN.reorder(from: storage.format.descriptor(shape), to: format.descriptor(shape))
        }
        reorder.execute([storage.pointer, out.pointer])
        return out
    }
}
