import CDNNL

/// oneDNN handles shared by the CPU kernels: one engine, one stream, and primitives cached by a key that
/// describes the operation and its shapes, so JIT-compiled code is generated once and reused every step.
///
/// A kernel family (element-wise, convolution, recurrent, normalisation) builds a primitive descriptor,
/// wraps it with `makePrimitive`, caches it with `cached`, and runs it with `CachedPrimitive.execute`.
final class OneDNN {
    static let shared = OneDNN()

    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    private var cache: [AnyHashable: CachedPrimitive] = [:]

    private init() {
        var engine: dnnl_engine_t?
        OneDNN.check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine")
        var stream: dnnl_stream_t?
        OneDNN.check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream")
        self.engine = engine!
        self.stream = stream!
    }

    static func check(_ status: dnnl_status_t, _ what: String) {
        precondition(status == dnnl_success, "oneDNN \(what) failed with status \(status.rawValue)")
    }

    /// Row-major single-precision GEMM: `C = op(A)·op(B) + beta·C` with C of size m×n.
    func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
               a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, beta: Float = 0) {
        let lda = transposeA ? m : k
        let ldb = transposeB ? k : n
        OneDNN.check(dnnl_sgemm(transposeA ? 84 : 78, transposeB ? 84 : 78, Int64(m), Int64(n), Int64(k),
                                1, a, Int64(lda), b, Int64(ldb), beta, c, Int64(n)), "sgemm")
    }

    /// The primitive for `key`, built by `make` the first time it is asked for.
    func cached(_ key: AnyHashable, _ make: () -> CachedPrimitive) -> CachedPrimitive {
        if let primitive = cache[key] { return primitive }
        let primitive = make()
        cache[key] = primitive
        return primitive
    }

    /// A plain memory descriptor of `dims` in layout `tag` (e.g. `dnnl_a`, `dnnl_nchw`, `dnnl_oihw`, or `dnnl_format_tag_any`).
    static func memoryDescriptor(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var descriptor = dnnl_memory_desc_t()
        var sizes = dims.map { dnnl_dim_t($0) }
        check(dnnl_memory_desc_init_by_tag(&descriptor, Int32(dims.count), &sizes, dnnl_f32, tag), "memory desc \(dims)")
        return descriptor
    }

    /// Creates the primitive of `descriptor` (consumed) with one memory object per argument, each of the
    /// layout oneDNN reports for that argument (`dnnl_primitive_desc_query_md`).
    func makePrimitive(_ descriptor: dnnl_primitive_desc_t, arguments: [(kind: Int32, query: dnnl_query_t, index: Int32)]) -> CachedPrimitive {
        var primitive: dnnl_primitive_t?
        OneDNN.check(dnnl_primitive_create(&primitive, descriptor), "primitive")
        let memories = arguments.map { argument -> (Int32, dnnl_memory_t, dnnl_memory_desc_t) in
            let layout = dnnl_primitive_desc_query_md(descriptor, argument.query, argument.index)!.pointee
            var memory: dnnl_memory_t?
            var copy = layout
            OneDNN.check(dnnl_memory_create(&memory, &copy, engine, nil), "memory")
            return (argument.kind, memory!, layout)
        }
        dnnl_primitive_desc_destroy(descriptor)
        return CachedPrimitive(primitive: primitive!, arguments: memories, stream: stream)
    }

    /// `dst = f(src)` for a oneDNN element-wise algorithm over `count` contiguous floats.
    func eltwiseForward(_ algorithm: dnnl_alg_kind_t, alpha: Float = 0, beta: Float = 0,
                        source: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>, count: Int) {
        eltwise(algorithm, alpha, beta, count, backward: false).execute([source, destination])
    }

    /// `diffSrc = f'(src) · diffDst` (oneDNN's backward for an element-wise algorithm).
    func eltwiseBackward(_ algorithm: dnnl_alg_kind_t, alpha: Float = 0, beta: Float = 0,
                         source: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>,
                         result: UnsafeMutablePointer<Float>, count: Int) {
        eltwise(algorithm, alpha, beta, count, backward: true).execute([source, gradient, result])
    }

    private struct EltwiseKey: Hashable {
        let algorithm: UInt32
        let alpha: Float
        let beta: Float
        let count: Int
        let backward: Bool
    }

    private func eltwise(_ algorithm: dnnl_alg_kind_t, _ alpha: Float, _ beta: Float, _ count: Int, backward: Bool) -> CachedPrimitive {
        cached(EltwiseKey(algorithm: algorithm.rawValue, alpha: alpha, beta: beta, count: count, backward: backward)) {
            var data = OneDNN.memoryDescriptor([count], dnnl_a)
            var forward = dnnl_eltwise_desc_t()
            OneDNN.check(dnnl_eltwise_forward_desc_init(&forward, backward ? dnnl_forward_training : dnnl_forward_inference,
                                                       algorithm, &data, alpha, beta), "eltwise desc")
            var forwardPD: dnnl_primitive_desc_t?
            OneDNN.check(dnnl_primitive_desc_create(&forwardPD, &forward, nil, engine, nil), "eltwise pd")
            guard backward else {
                return makePrimitive(forwardPD!, arguments: [(DNNL_ARG_SRC, dnnl_query_src_md, 0), (DNNL_ARG_DST, dnnl_query_dst_md, 0)])
            }
            var backwardOp = dnnl_eltwise_desc_t()
            OneDNN.check(dnnl_eltwise_backward_desc_init(&backwardOp, algorithm, &data, &data, alpha, beta), "eltwise backward desc")
            var backwardPD: dnnl_primitive_desc_t?
            OneDNN.check(dnnl_primitive_desc_create(&backwardPD, &backwardOp, nil, engine, forwardPD), "eltwise backward pd")
            dnnl_primitive_desc_destroy(forwardPD)
            return makePrimitive(backwardPD!, arguments: [(DNNL_ARG_SRC, dnnl_query_src_md, 0), (DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, 0),
                                                          (DNNL_ARG_DIFF_SRC, dnnl_query_diff_src_md, 0)])
        }
    }
}

/// A compiled oneDNN primitive and one memory object per argument. The memory objects carry the layouts
/// the primitive wants; each call binds them to the caller's buffers.
final class CachedPrimitive {
    let primitive: dnnl_primitive_t
    /// Argument kind (DNNL_ARG_…), its memory object, and the layout that memory has.
    let arguments: [(kind: Int32, memory: dnnl_memory_t, layout: dnnl_memory_desc_t)]
    private let stream: dnnl_stream_t

    init(primitive: dnnl_primitive_t, arguments: [(kind: Int32, memory: dnnl_memory_t, layout: dnnl_memory_desc_t)], stream: dnnl_stream_t) {
        self.primitive = primitive
        self.arguments = arguments
        self.stream = stream
    }

    /// Runs the primitive with `buffers[i]` bound to argument i, and waits for it.
    func execute(_ buffers: [UnsafeMutableRawPointer?]) {
        precondition(buffers.count == arguments.count, "primitive takes \(arguments.count) buffers, got \(buffers.count)")
        var bound: [dnnl_exec_arg_t] = []
        bound.reserveCapacity(arguments.count)
        for (argument, buffer) in zip(arguments, buffers) {
            OneDNN.check(dnnl_memory_set_data_handle_v2(argument.memory, buffer, stream), "set handle")
            bound.append(dnnl_exec_arg_t(arg: argument.kind, memory: argument.memory))
        }
        OneDNN.check(dnnl_primitive_execute(primitive, stream, Int32(bound.count), &bound), "execute")
        OneDNN.check(dnnl_stream_wait(stream), "stream wait")
    }
}

extension CachedPrimitive {
    func execute(_ buffers: [UnsafeMutablePointer<Float>]) {
        execute(buffers.map { UnsafeMutableRawPointer($0) })
    }
}

extension OneDNN {
    /// A primitive copying a buffer of layout `from` into one of layout `to` (same dimensions).
    static func reorder(from: dnnl_memory_desc_t, to: dnnl_memory_desc_t) -> CachedPrimitive {
        var from = from, to = to
        var descriptor: dnnl_primitive_desc_t?
        let engine = shared.engine
        check(dnnl_reorder_primitive_desc_create(&descriptor, &from, engine, &to, engine, nil), "reorder")
        return shared.makePrimitive(descriptor!, arguments: [(DNNL_ARG_FROM, dnnl_query_src_md, 0), (DNNL_ARG_TO, dnnl_query_dst_md, 0)])
    }
}

extension CPUBackend {
    /// A buffer big enough for `layout`, which blocked or padded layouts make bigger than its element count.
    func allocate(layout: dnnl_memory_desc_t) -> Storage {
        var layout = layout
        return allocate((dnnl_memory_desc_get_size(&layout) + 3) / 4)
    }
}
