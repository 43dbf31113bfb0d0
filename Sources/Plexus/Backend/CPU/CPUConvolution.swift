import CDNNL

/// Convolutions on oneDNN's convolution primitives and transposed convolutions on its deconvolution primitives,
/// cached per geometry and pass.
///
/// Callers hold plain NCHW tensors and PyTorch-layout weights, but oneDNN's fast convolution kernels want
/// channels in blocks of 16 (`nChw16c`). Each primitive is created with `dnnl_format_tag_any`, so oneDNN picks its
/// best layout per argument; where that is not the caller's, a cached reorder primitive copies the buffer into a
/// scratch buffer of that layout before the run, or back out of it after. Measured on the benchmark convnet, this is
/// three to seven times as fast per convolution as forcing plain layouts, which selects oneDNN's im2col + GEMM kernels.
///
/// A fused ReLU is a post-op of the convolution kernel, and its derivative masks the output's gradient before the
/// backward kernels run; the mask reads the output, which the backward pass gets anyway.
extension CPUBackend {
    public func convolution(_ x: Storage, weight: Storage, bias: Storage?, _ geometry: ConvolutionGeometry, training: Bool) -> Storage {
        let out = allocate(geometry.output.reduce(1, *))
        let pass: ConvolutionPrimitive.Pass = training ? .training : .inference
        guard geometry.transposed && (geometry.hasBias || geometry.fusedReLU) else {
            ConvolutionPrimitive(geometry, pass, backend: self).execute([x, weight] + (bias.map { [$0] } ?? []) + [out])
            return out
        }
        // oneDNN 2.6's deconvolution adds its bias and applies post-ops in a reference loop (measured 3 and 30 times
        // the time of the deconvolution itself), so the transposed convolution runs bare and a binary primitive
        // adds the bias and applies the ReLU in one pass.
        var bare = geometry
        bare.hasBias = false
        bare.fusedReLU = false
        ConvolutionPrimitive(bare, pass, backend: self).execute([x, weight, out])
        OneDNN.shared.addChannelBias(out, bias, shape: geometry.output, relu: geometry.fusedReLU)
        return out
    }

    public func convolutionBackward(_ gradient: Storage, input: Storage, weight: Storage, output: Storage, _ geometry: ConvolutionGeometry,
                                    inputGradient: Bool, parameterGradients: Bool) -> (input: Storage?, weight: Storage?, bias: Storage?) {
        var gradient = gradient
        if geometry.fusedReLU {
            // The gradient reaching the convolution is zero where the ReLU cut it off. The output tells where:
            // relu(x) > 0 exactly where x > 0, so oneDNN's ReLU derivative can read the output in place of x.
            let masked = allocate(gradient.count)
            OneDNN.shared.eltwiseBackward(dnnl_eltwise_relu, source: output.floats, gradient: gradient.floats, result: masked.floats,
                                          count: gradient.count)
            gradient = masked
        }
        // Both backward kernels read the gradient, usually in the same blocked layout: convert it once.
        var conversions: [ConvolutionPrimitive.Conversion] = []
        var inputResult: Storage?
        if inputGradient {
            inputResult = allocate(geometry.input.reduce(1, *))
            ConvolutionPrimitive(geometry, .backwardData, backend: self).execute([gradient, weight, inputResult!], reusing: &conversions)
        }
        guard parameterGradients else { return (inputResult, nil, nil) }
        let weightResult = allocate(geometry.weightShape.reduce(1, *))
        let biasResult = geometry.hasBias ? allocate(geometry.output[1]) : nil
        ConvolutionPrimitive(geometry, .backwardWeights, backend: self)
            .execute([input, gradient, weightResult] + (biasResult.map { [$0] } ?? []), reusing: &conversions)
        return (inputResult, weightResult, biasResult)
    }
}

/// One pass of a convolution: the cached oneDNN primitive, and how the caller's plain buffers map onto its arguments.
private struct ConvolutionPrimitive {
    enum Pass: Hashable {
        /// Forward only, nothing kept for a backward pass.
        case inference
        case training
        /// The input's gradient from the output's.
        case backwardData
        /// The weight's and bias's gradients from the input and the output's gradient.
        case backwardWeights
    }

    private struct Key: Hashable {
        let geometry: ConvolutionGeometry
        let pass: Pass
        /// nil for the convolution itself; otherwise the argument a layout reorder is for.
        let reorderFor: Int32?
    }

    /// One argument as the caller passes it: its kind, the layout of the caller's buffer, and whether the primitive writes it.
    private struct Argument {
        let kind: Int32
        let plain: dnnl_memory_desc_t
        let isOutput: Bool
    }

    let geometry: ConvolutionGeometry
    let pass: Pass
    let backend: CPUBackend
    private let arguments: [Argument]
    private let primitive: CachedPrimitive

    init(_ geometry: ConvolutionGeometry, _ pass: Pass, backend: CPUBackend) {
        self.geometry = geometry
        self.pass = pass
        self.backend = backend
        let source = OneDNN.memoryDescriptor(geometry.input, dnnl_nchw)         // (N, C_in, H, W)
        let destination = OneDNN.memoryDescriptor(geometry.output, dnnl_nchw)   // (N, C_out, H_out, W_out)
        let weights = ConvolutionPrimitive.weightLayout(geometry)
        let bias = OneDNN.memoryDescriptor([geometry.output[1]], dnnl_x)
        func argument(_ kind: Int32, _ plain: dnnl_memory_desc_t, output: Bool = false) -> Argument {
            Argument(kind: kind, plain: plain, isOutput: output)
        }
        let biasArgument = geometry.hasBias ? [argument(pass == .backwardWeights ? DNNL_ARG_DIFF_BIAS : DNNL_ARG_BIAS, bias,
                                                         output: pass == .backwardWeights)] : []
        switch pass {
        case .inference, .training:
            arguments = [argument(DNNL_ARG_SRC, source), argument(DNNL_ARG_WEIGHTS, weights)] + biasArgument
                + [argument(DNNL_ARG_DST, destination, output: true)]
        case .backwardData:
            arguments = [argument(DNNL_ARG_DIFF_DST, destination), argument(DNNL_ARG_WEIGHTS, weights),
                         argument(DNNL_ARG_DIFF_SRC, source, output: true)]
        case .backwardWeights:
            arguments = [argument(DNNL_ARG_SRC, source), argument(DNNL_ARG_DIFF_DST, destination),
                         argument(DNNL_ARG_DIFF_WEIGHTS, weights, output: true)] + biasArgument
        }
        let kinds = arguments.map(\.kind)
        primitive = OneDNN.shared.cached(Key(geometry: geometry, pass: pass, reorderFor: nil)) {
            OneDNN.shared.makePrimitive(ConvolutionPrimitive.descriptor(geometry, pass),
                                        arguments: kinds.map { ($0, dnnl_query_exec_arg_md, $0) })
        }
    }

    /// A caller's input buffer copied into a primitive's layout, for a later primitive that reads it in that layout.
    struct Conversion {
        let source: Storage
        let layout: dnnl_memory_desc_t
        let converted: Storage
    }

    /// Runs the primitive on the caller's buffers, one per argument in the order of `arguments`. Inputs found in
    /// `conversions` are not converted again, and those converted here are added to it.
    func execute(_ buffers: [Storage], reusing conversions: inout [Conversion]) {
        var bound = buffers.map { $0.pointer }
        var scratches: [Storage] = []  // alive until the primitive has run
        var written: [(reorder: CachedPrimitive, from: Storage, to: Storage)] = []
        for (index, argument) in arguments.enumerated() {
            var plain = argument.plain, chosen = primitive.arguments[index].layout
            if dnnl_memory_desc_equal(&plain, &chosen) != 0 { continue }
            if !argument.isOutput, let done = conversions.first(where: { conversion in
                var layout = conversion.layout
                return conversion.source === buffers[index] && dnnl_memory_desc_equal(&layout, &chosen) != 0
            }) {
                bound[index] = done.converted.pointer
                continue
            }
            let scratch = backend.allocate(layout: chosen)
            scratches.append(scratch)
            let reorder = OneDNN.shared.cached(Key(geometry: geometry, pass: pass, reorderFor: argument.kind)) {
                argument.isOutput ? OneDNN.reorder(from: chosen, to: plain) : OneDNN.reorder(from: plain, to: chosen)
            }
            if argument.isOutput {
                written.append((reorder, scratch, buffers[index]))
            } else {
                reorder.execute([buffers[index].pointer, scratch.pointer])
                conversions.append(Conversion(source: buffers[index], layout: chosen, converted: scratch))
            }
            bound[index] = scratch.pointer
        }
        withExtendedLifetime((scratches, conversions)) {
            primitive.execute(bound)
            for (reorder, from, to) in written { reorder.execute([from.pointer, to.pointer]) }
        }
    }

    /// Runs the primitive on the caller's buffers, one per argument in the order of `arguments`.
    func execute(_ buffers: [Storage]) {
        var conversions: [Conversion] = []
        execute(buffers, reusing: &conversions)
    }

    /// PyTorch's weight layout in oneDNN's terms (or `dnnl_format_tag_any` when `tag` is given). oneDNN orders
    /// weight dimensions (groups,) out, in, kh, kw for both primitives; a transposed convolution's PyTorch weight
    /// (C_in, C_out/groups, kh, kw) has `in` outermost.
    private static func weightLayout(_ geometry: ConvolutionGeometry, tag: dnnl_format_tag_t? = nil) -> dnnl_memory_desc_t {
        let g = geometry.groups, kernel = geometry.window.kernel.pair
        let (outChannels, inChannels) = (geometry.output[1], geometry.input[1])
        if g == 1 {
            return OneDNN.memoryDescriptor([outChannels, inChannels] + kernel, tag ?? (geometry.transposed ? dnnl_iohw : dnnl_oihw))
        }
        return OneDNN.memoryDescriptor([g, outChannels / g, inChannels / g] + kernel, tag ?? (geometry.transposed ? dnnl_giohw : dnnl_goihw))
    }

    /// The primitive descriptor of `pass`, layouts left to oneDNN (inference: those of training). Backward passes are
    /// created with a training forward descriptor as their hint, as oneDNN requires.
    private static func descriptor(_ geometry: ConvolutionGeometry, _ pass: Pass) -> dnnl_primitive_desc_t {
        let engine = OneDNN.shared.engine
        let window = geometry.window
        var source = OneDNN.memoryDescriptor(geometry.input, dnnl_format_tag_any)
        var destination = OneDNN.memoryDescriptor(geometry.output, dnnl_format_tag_any)
        var weights = weightLayout(geometry, tag: dnnl_format_tag_any)
        // A zero descriptor means "no bias" to oneDNN.
        var bias = geometry.hasBias ? OneDNN.memoryDescriptor([geometry.output[1]], dnnl_format_tag_any) : dnnl_memory_desc_t()
        let strides = window.stride.pair.map(Int64.init)
        let dilations = window.dilation.pair.map { Int64($0 - 1) }  // oneDNN counts the gaps: 0 is dense
        let before = window.paddingBefore.pair.map(Int64.init), after = window.paddingAfter.pair.map(Int64.init)

        let transposed = geometry.transposed
        let algorithm = transposed ? dnnl_deconvolution_direct : dnnl_convolution_direct
        var operation = dnnl_convolution_desc_t()
        func create(_ hint: dnnl_primitive_desc_t?, attributes: dnnl_primitive_attr_t? = nil) -> dnnl_primitive_desc_t {
            var descriptor: dnnl_primitive_desc_t?
            OneDNN.check(dnnl_primitive_desc_create(&descriptor, &operation, attributes, engine, hint), "convolution pd \(geometry) \(pass)")
            return descriptor!
        }
        let propagation = pass == .inference ? dnnl_forward_inference : dnnl_forward_training
        if pass == .inference {
            // Left free, oneDNN picks channels-last layouts for inference (its brgconv kernels); with the reorders
            // from and to NCHW counted, that measured up to twice as slow here as the training kernel's blocked
            // layouts. So inference asks for the layouts the training kernel chose.
            let training = descriptor(geometry, .training)
            source = dnnl_primitive_desc_query_md(training, dnnl_query_src_md, 0)!.pointee
            weights = dnnl_primitive_desc_query_md(training, dnnl_query_weights_md, 0)!.pointee
            destination = dnnl_primitive_desc_query_md(training, dnnl_query_dst_md, 0)!.pointee
            dnnl_primitive_desc_destroy(training)
        }
        OneDNN.check((transposed ? dnnl_dilated_deconvolution_forward_desc_init : dnnl_dilated_convolution_forward_desc_init)(
            &operation, propagation, algorithm, &source, &weights, &bias, &destination, strides, dilations, before, after),
                     "convolution desc \(geometry)")
        if pass == .inference || pass == .training {
            guard geometry.fusedReLU else { return create(nil) }
            return OneDNN.withReLUPostOp { create(nil, attributes: $0) }
        }
        let forward = create(nil)
        defer { dnnl_primitive_desc_destroy(forward) }
        operation = dnnl_convolution_desc_t()
        if pass == .backwardData {
            OneDNN.check((transposed ? dnnl_dilated_deconvolution_backward_data_desc_init : dnnl_dilated_convolution_backward_data_desc_init)(
                &operation, algorithm, &source, &weights, &destination, strides, dilations, before, after), "convolution backward data desc")
        } else {
            OneDNN.check((transposed ? dnnl_dilated_deconvolution_backward_weights_desc_init : dnnl_dilated_convolution_backward_weights_desc_init)(
                &operation, algorithm, &source, &weights, &bias, &destination, strides, dilations, before, after), "convolution backward weights desc")
        }
        return create(forward)
    }
}

private struct ChannelBiasKey: Hashable {
    let shape: [Int]
    let relu: Bool
}

extension OneDNN {
    /// `x[n, c, h, w] += bias[c]` on an NCHW buffer in place, then ReLU when `relu`, in one pass over `x`;
    /// without a bias, the ReLU alone.
    fileprivate func addChannelBias(_ x: Storage, _ bias: Storage?, shape: [Int], relu: Bool) {
        guard let bias else {
            eltwiseForward(dnnl_eltwise_relu, source: x.floats, destination: x.floats, count: x.count)
            return
        }
        let primitive = cached(ChannelBiasKey(shape: shape, relu: relu)) {
            var data = OneDNN.memoryDescriptor(shape, dnnl_nchw)                 // (N, C, H, W)
            var channels = OneDNN.memoryDescriptor([1, shape[1], 1, 1], dnnl_nchw)  // broadcast over N, H, W
            var operation = dnnl_binary_desc_t()
            OneDNN.check(dnnl_binary_desc_init(&operation, dnnl_binary_add, &data, &channels, &data), "bias desc")
            func create(_ attributes: dnnl_primitive_attr_t?) -> dnnl_primitive_desc_t {
                var descriptor: dnnl_primitive_desc_t?
                OneDNN.check(dnnl_primitive_desc_create(&descriptor, &operation, attributes, engine, nil), "bias pd")
                return descriptor!
            }
            return makePrimitive(relu ? OneDNN.withReLUPostOp(create) : create(nil),
                                 arguments: [(DNNL_ARG_SRC_0, dnnl_query_src_md, 0), (DNNL_ARG_SRC_1, dnnl_query_src_md, 1),
                                             (DNNL_ARG_DST, dnnl_query_dst_md, 0)])
        }
        primitive.execute([x.pointer, bias.pointer, x.pointer])
    }

    /// Runs `body` with primitive attributes that apply ReLU to the primitive's result (an eltwise post-op).
    fileprivate static func withReLUPostOp<T>(_ body: (dnnl_primitive_attr_t) -> T) -> T {
        var attributes: dnnl_primitive_attr_t?, postOps: dnnl_post_ops_t?
        check(dnnl_primitive_attr_create(&attributes), "attributes")
        check(dnnl_post_ops_create(&postOps), "post-ops")
        check(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "ReLU post-op")
        check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "set post-ops")
        defer {
            dnnl_post_ops_destroy(postOps)
            dnnl_primitive_attr_destroy(attributes)
        }
        return body(attributes!)
    }
}
