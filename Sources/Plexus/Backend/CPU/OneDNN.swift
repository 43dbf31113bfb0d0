import CDNNL

/// oneDNN handles shared by the CPU kernels: one engine, one stream, and element-wise primitives cached per
/// (algorithm, parameters, size) so their JIT-compiled code is generated once and reused every step.
final class OneDNN {
    static let shared = OneDNN()

    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    private var eltwiseCache: [EltwiseKey: Eltwise] = [:]

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

    /// Row-major single-precision GEMM: `C = op(A)·op(B)` with C of size m×n.
    func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
               a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, beta: Float = 0) {
        let lda = transposeA ? m : k
        let ldb = transposeB ? k : n
        OneDNN.check(dnnl_sgemm(transposeA ? 84 : 78, transposeB ? 84 : 78, Int64(m), Int64(n), Int64(k),
                                1, a, Int64(lda), b, Int64(ldb), beta, c, Int64(n)), "sgemm")
    }

    struct EltwiseKey: Hashable {
        let algorithm: UInt32
        let alpha: Float
        let beta: Float
        let count: Int
        let backward: Bool
    }

    /// A compiled element-wise primitive and the memory objects it runs on (their data handles change per call).
    final class Eltwise {
        let primitive: dnnl_primitive_t
        let memories: [dnnl_memory_t]
        let argumentKinds: [Int32]

        init(primitive: dnnl_primitive_t, memories: [dnnl_memory_t], argumentKinds: [Int32]) {
            self.primitive = primitive
            self.memories = memories
            self.argumentKinds = argumentKinds
        }
    }

    /// `dst = f(src)` for a oneDNN element-wise algorithm over `count` contiguous floats.
    func eltwiseForward(_ algorithm: dnnl_alg_kind_t, alpha: Float = 0, beta: Float = 0,
                        source: UnsafeMutablePointer<Float>, destination: UnsafeMutablePointer<Float>, count: Int) {
        let key = EltwiseKey(algorithm: algorithm.rawValue, alpha: alpha, beta: beta, count: count, backward: false)
        let primitive = eltwiseCache[key] ?? makeEltwise(key, algorithm)
        run(primitive, [source, destination])
    }

    /// `diffSrc = f'(src) · diffDst` (oneDNN's backward for an element-wise algorithm).
    func eltwiseBackward(_ algorithm: dnnl_alg_kind_t, alpha: Float = 0, beta: Float = 0,
                         source: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>,
                         result: UnsafeMutablePointer<Float>, count: Int) {
        let key = EltwiseKey(algorithm: algorithm.rawValue, alpha: alpha, beta: beta, count: count, backward: true)
        let primitive = eltwiseCache[key] ?? makeEltwise(key, algorithm)
        run(primitive, [source, gradient, result])
    }

    private func run(_ eltwise: Eltwise, _ pointers: [UnsafeMutablePointer<Float>]) {
        var arguments: [dnnl_exec_arg_t] = []
        for (index, memory) in eltwise.memories.enumerated() {
            OneDNN.check(dnnl_memory_set_data_handle_v2(memory, pointers[index], stream), "set handle")
            arguments.append(dnnl_exec_arg_t(arg: eltwise.argumentKinds[index], memory: memory))
        }
        OneDNN.check(dnnl_primitive_execute(eltwise.primitive, stream, Int32(arguments.count), &arguments), "eltwise")
        OneDNN.check(dnnl_stream_wait(stream), "stream wait")
    }

    private func makeEltwise(_ key: EltwiseKey, _ algorithm: dnnl_alg_kind_t) -> Eltwise {
        var descriptor = dnnl_memory_desc_t()
        var dims: [dnnl_dim_t] = [dnnl_dim_t(key.count)]
        OneDNN.check(dnnl_memory_desc_init_by_tag(&descriptor, 1, &dims, dnnl_f32, dnnl_a), "memory desc")

        var forwardOp = dnnl_eltwise_desc_t()
        OneDNN.check(dnnl_eltwise_forward_desc_init(&forwardOp, key.backward ? dnnl_forward_training : dnnl_forward_inference,
                                                   algorithm, &descriptor, key.alpha, key.beta), "eltwise desc")
        var forwardPD: dnnl_primitive_desc_t?
        OneDNN.check(dnnl_primitive_desc_create(&forwardPD, &forwardOp, nil, engine, nil), "eltwise pd")
        var primitiveDescriptor = forwardPD
        if key.backward {
            var backwardOp = dnnl_eltwise_desc_t()
            OneDNN.check(dnnl_eltwise_backward_desc_init(&backwardOp, algorithm, &descriptor, &descriptor, key.alpha, key.beta),
                         "eltwise backward desc")
            var backwardPD: dnnl_primitive_desc_t?
            OneDNN.check(dnnl_primitive_desc_create(&backwardPD, &backwardOp, nil, engine, forwardPD), "eltwise backward pd")
            dnnl_primitive_desc_destroy(forwardPD)
            primitiveDescriptor = backwardPD
        }
        var primitive: dnnl_primitive_t?
        OneDNN.check(dnnl_primitive_create(&primitive, primitiveDescriptor), "eltwise primitive")
        dnnl_primitive_desc_destroy(primitiveDescriptor)

        let kinds: [Int32] = key.backward ? [DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC] : [DNNL_ARG_SRC, DNNL_ARG_DST]
        let memories = kinds.map { _ -> dnnl_memory_t in
            var memory: dnnl_memory_t?
            OneDNN.check(dnnl_memory_create(&memory, &descriptor, engine, nil), "memory")
            return memory!
        }
        let eltwise = Eltwise(primitive: primitive!, memories: memories, argumentKinds: kinds)
        eltwiseCache[key] = eltwise
        return eltwise
    }
}
