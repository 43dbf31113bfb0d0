import CDNNL

/// Max and average pooling on oneDNN's pooling primitives, cached per geometry, pass and input format. The output
/// has the input's format, so pooling between blocked convolutions converts nothing (`CPUStorageFormats.swift`).
/// Training max pooling also writes a workspace (which element of each window was the maximum, in oneDNN's own
/// format) that the backward primitive reads instead of searching the input again.
extension CPUBackend {
    public func pool(_ x: Storage, _ geometry: PoolingGeometry, training: Bool) -> (output: Storage, workspace: Storage?) {
        let pass: PoolingPass = training ? .training : .inference
        let primitive = OneDNN.shared.pooling(geometry, pass, format: x.format)
        let out = allocate(geometry.output.reduce(1, *), format: x.format)
        let workspace = pass.keepsWorkspace(geometry) ? allocate(layout: primitive.arguments[2].layout) : nil
        primitive.execute([x.pointer, out.pointer] + (workspace.map { [$0.pointer] } ?? []))
        return (out, workspace)
    }

    public func poolBackward(_ gradient: Storage, workspace: Storage?, _ geometry: PoolingGeometry, inputFormat: StorageFormat) -> Storage {
        let gradient = converted(gradient, shape: geometry.output, to: inputFormat)
        let out = allocate(geometry.input.reduce(1, *), format: inputFormat)
        OneDNN.shared.pooling(geometry, .backward, format: inputFormat)
            .execute([gradient.pointer, out.pointer] + (workspace.map { [$0.pointer] } ?? []))
        return out
    }
}

private enum PoolingPass: Hashable {
    case inference, training, backward

    /// Max pooling hands a workspace from its training forward pass to its backward pass.
    func keepsWorkspace(_ geometry: PoolingGeometry) -> Bool {
        geometry.kind == .max && self != .inference
    }
}

private struct PoolingKey: Hashable {
    let geometry: PoolingGeometry
    let pass: PoolingPass
    let format: StorageFormat
}

extension OneDNN {
    /// Forward arguments: source, destination (then the workspace); backward: the destination's gradient, the
    /// source's gradient (then the workspace).
    fileprivate func pooling(_ geometry: PoolingGeometry, _ pass: PoolingPass, format: StorageFormat) -> CachedPrimitive {
        cached(PoolingKey(geometry: geometry, pass: pass, format: format)) {
            var source = format.descriptor(geometry.input)         // (N, C, H, W)
            var destination = format.descriptor(geometry.output)   // (N, C, H_out, W_out)
            let window = geometry.window
            let kernel = window.kernel.pair.map(Int64.init), strides = window.stride.pair.map(Int64.init)
            let dilations = window.dilation.pair.map { Int64($0 - 1) }  // oneDNN counts the gaps: 0 is dense
            let before = window.paddingBefore.pair.map(Int64.init), after = window.paddingAfter.pair.map(Int64.init)
            let algorithm: dnnl_alg_kind_t
            switch geometry.kind {
            case .max: algorithm = dnnl_pooling_max
            case .average(let includePadding): algorithm = includePadding ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding
            }

            var operation = dnnl_pooling_v2_desc_t()
            OneDNN.check(dnnl_pooling_v2_forward_desc_init(&operation, pass == .inference ? dnnl_forward_inference : dnnl_forward_training,
                                                          algorithm, &source, &destination, strides, kernel, dilations, before, after),
                         "pooling desc \(geometry)")
            var forward: dnnl_primitive_desc_t?
            OneDNN.check(dnnl_primitive_desc_create(&forward, &operation, nil, engine, nil), "pooling pd")
            let workspace = pass.keepsWorkspace(geometry) ? [(DNNL_ARG_WORKSPACE, dnnl_query_workspace_md, Int32(0))] : []
            guard pass == .backward else {
                return makePrimitive(forward!, arguments: [(DNNL_ARG_SRC, dnnl_query_src_md, 0), (DNNL_ARG_DST, dnnl_query_dst_md, 0)] + workspace)
            }
            defer { dnnl_primitive_desc_destroy(forward) }
            operation = dnnl_pooling_v2_desc_t()
            OneDNN.check(dnnl_pooling_v2_backward_desc_init(&operation, algorithm, &source, &destination, strides, kernel, dilations, before, after),
                         "pooling backward desc")
            var backward: dnnl_primitive_desc_t?
            OneDNN.check(dnnl_primitive_desc_create(&backward, &operation, nil, engine, forward), "pooling backward pd")
            return makePrimitive(backward!, arguments: [(DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, 0),
                                                        (DNNL_ARG_DIFF_SRC, dnnl_query_diff_src_md, 0)] + workspace)
        }
    }
}
