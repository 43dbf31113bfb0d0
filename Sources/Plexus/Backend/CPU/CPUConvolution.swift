import CDNNL

/// Convolutions on oneDNN's convolution primitives and transposed convolutions on its deconvolution primitives,
/// cached per geometry and pass.
///
/// oneDNN's fast convolution kernels want channels in blocks of 16 (`nChw16c`). Each primitive is created with
/// `dnnl_format_tag_any`, so oneDNN picks its best layout per argument. Images (the input, the output and their
/// gradients) are read in whatever `StorageFormat` they come in, converted only when it is not the kernel's, and
/// results are left in the kernel's layout for the next convolution or pooling (`CPUStorageFormats.swift`).
/// Weights and biases are plain PyTorch layouts for the optimizer; a weight reordered for a kernel is kept on its
/// storage until the optimizer changes it. Measured on the benchmark convnet, blocked kernels are three to seven
/// times as fast per convolution as forcing plain layouts, which selects oneDNN's im2col + GEMM kernels.
///
/// A fused ReLU is a post-op of the convolution kernel, and its derivative masks the output's gradient before the
/// backward kernels run; the mask reads the output, which the backward pass gets anyway.
extension CPUBackend {
    public func convolution(_ x: Storage, weight: Storage, bias: Storage?, _ geometry: ConvolutionGeometry, training: Bool) -> Storage {
        let pass: ConvolutionPrimitive.Pass = training ? .training : .inference
        guard geometry.transposed && (geometry.hasBias || geometry.fusedReLU) else {
            return ConvolutionPrimitive(geometry, pass, backend: self).run([x, weight] + (bias.map { [$0] } ?? []))[0]
        }
        // oneDNN 2.6's deconvolution adds its bias and applies post-ops in a reference loop (measured 3 and 30 times
        // the time of the deconvolution itself), so the transposed convolution runs bare and a binary primitive
        // adds the bias and applies the ReLU in one pass.
        var bare = geometry
        bare.hasBias = false
        bare.fusedReLU = false
        let out = ConvolutionPrimitive(bare, pass, backend: self).run([x, weight])[0]
        OneDNN.shared.addChannelBias(out, bias, shape: geometry.output, relu: geometry.fusedReLU)
        return out
    }

    public func convolutionBackward(_ gradient: Storage, input: Storage, weight: Storage, output: Storage, _ geometry: ConvolutionGeometry,
                                    inputGradient: Bool, parameterGradients: Bool) -> (input: Storage?, weight: Storage?, bias: Storage?) {
        var gradient = gradient
        if geometry.fusedReLU {
            // The gradient reaching the convolution is zero where the ReLU cut it off. The output tells where:
            // relu(x) > 0 exactly where x > 0, so oneDNN's ReLU derivative can read the output in place of x.
            // Element by element, so both only need the same order, whichever it is.
            gradient = converted(gradient, shape: geometry.output, to: output.format)
            let masked = allocate(gradient.count, format: output.format)
            OneDNN.shared.eltwiseBackward(dnnl_eltwise_relu, source: output.floats, gradient: gradient.floats, result: masked.floats,
                                          count: gradient.count)
            gradient = masked
        }
        // Both backward kernels read the gradient, usually in the same blocked layout: convert it once.
        var conversions: [ConvolutionPrimitive.Conversion] = []
        let inputResult = inputGradient
            ? ConvolutionPrimitive(geometry, .backwardData, backend: self).run([gradient, weight], reusing: &conversions)[0] : nil
        guard parameterGradients else { return (inputResult, nil, nil) }
        let results = ConvolutionPrimitive(geometry, .backwardWeights, backend: self).run([input, gradient], reusing: &conversions)
        return (inputResult, results[0], geometry.hasBias ? results[1] : nil)
    }
}

/// One pass of a convolution: the cached oneDNN primitive, and how the caller's buffers map onto its arguments.
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
        /// nil for the convolution itself; otherwise the argument a layout reorder is for, and the format converted from.
        let reorderFor: Int32?
        let from: StorageFormat?
    }

    /// One argument as the caller passes it: its kind, its dimensions, its plain layout (PyTorch's, for weights),
    /// whether the primitive writes it, and whether it is an image, which may stay in the kernel's layout.
    private struct Argument {
        let kind: Int32
        let dims: [Int]
        let plain: dnnl_memory_desc_t
        let isOutput: Bool
        let isImage: Bool
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
        func image(_ kind: Int32, _ dims: [Int], output: Bool = false) -> Argument {
            Argument(kind: kind, dims: dims, plain: OneDNN.memoryDescriptor(dims, dnnl_nchw), isOutput: output, isImage: true)
        }
        let source = geometry.input, destination = geometry.output   // (N, C_in, H, W), (N, C_out, H_out, W_out)
        let weights = Argument(kind: pass == .backwardWeights ? DNNL_ARG_DIFF_WEIGHTS : DNNL_ARG_WEIGHTS, dims: geometry.weightShape,
                               plain: ConvolutionPrimitive.weightLayout(geometry), isOutput: pass == .backwardWeights, isImage: false)
        let bias = [Argument(kind: pass == .backwardWeights ? DNNL_ARG_DIFF_BIAS : DNNL_ARG_BIAS, dims: [geometry.output[1]],
                             plain: OneDNN.memoryDescriptor([geometry.output[1]], dnnl_x), isOutput: pass == .backwardWeights,
                             isImage: false)].filter { _ in geometry.hasBias }
        switch pass {
        case .inference, .training:
            arguments = [image(DNNL_ARG_SRC, source), weights] + bias + [image(DNNL_ARG_DST, destination, output: true)]
        case .backwardData:
            arguments = [image(DNNL_ARG_DIFF_DST, destination), weights, image(DNNL_ARG_DIFF_SRC, source, output: true)]
        case .backwardWeights:
            arguments = [image(DNNL_ARG_SRC, source), image(DNNL_ARG_DIFF_DST, destination), weights] + bias
        }
        let kinds = arguments.map(\.kind)
        primitive = OneDNN.shared.cached(Key(geometry: geometry, pass: pass, reorderFor: nil, from: nil)) {
            OneDNN.shared.makePrimitive(ConvolutionPrimitive.descriptor(geometry, pass),
                                        arguments: kinds.map { ($0, dnnl_query_exec_arg_md, $0) })
        }
    }

    /// An input buffer copied into a primitive's layout, for a later primitive that reads it in that layout.
    struct Conversion {
        let source: Storage
        let layout: dnnl_memory_desc_t
        let converted: Storage
    }

    /// Runs the primitive on `inputs` (its arguments that it reads, in the order of `arguments`, in any format) and
    /// returns what it writes, in order: images in the kernel's layout where a `StorageFormat` names it, weights and
    /// biases plain. Inputs found in `conversions` are not converted again, and those converted here are added to it.
    func run(_ inputs: [Storage], reusing conversions: inout [Conversion]) -> [Storage] {
        var remaining = inputs[...]
        var bound: [UnsafeMutableRawPointer?] = []
        var alive: [Storage] = []  // converted inputs and scratch outputs, kept until the primitive has run
        var outputs: [Storage] = []
        var written: [(reorder: CachedPrimitive, from: Storage, to: Storage)] = []
        for (index, argument) in arguments.enumerated() {
            let chosen = primitive.arguments[index].layout
            guard argument.isOutput else {
                let buffer = remaining.removeFirst()
                let input = self.input(buffer, argument, in: chosen, conversions: &conversions)
                alive.append(input)
                bound.append(input.pointer)
                continue
            }
            let count = argument.dims.reduce(1, *)
            if argument.isImage, let format = StorageFormat.matching(chosen, dims: argument.dims) {
                let out = backend.allocate(count, format: format)
                outputs.append(out)
                bound.append(out.pointer)
                continue
            }
            let out = backend.allocate(count)
            outputs.append(out)
            var plain = argument.plain, layout = chosen
            if dnnl_memory_desc_equal(&plain, &layout) != 0 {
                bound.append(out.pointer)
                continue
            }
            let scratch = backend.allocate(layout: chosen)
            alive.append(scratch)
            let reorder = OneDNN.shared.cached(Key(geometry: geometry, pass: pass, reorderFor: argument.kind, from: nil)) {
                OneDNN.reorder(from: chosen, to: argument.plain)
            }
            written.append((reorder, scratch, out))
            bound.append(scratch.pointer)
        }
        withExtendedLifetime(alive) {
            primitive.execute(bound)
            for (reorder, from, to) in written { reorder.execute([from.pointer, to.pointer]) }
        }
        return outputs
    }

    /// Runs the primitive on `inputs`; see `run(_:reusing:)`.
    func run(_ inputs: [Storage]) -> [Storage] {
        var conversions: [Conversion] = []
        return run(inputs, reusing: &conversions)
    }

    /// `buffer` in the layout `chosen`: itself when it is in it already; otherwise a conversion made earlier in this
    /// step (`conversions`) or, for a weight, since the optimizer last changed it (`Storage.derived`); otherwise a
    /// new one, remembered in both.
    private func input(_ buffer: Storage, _ argument: Argument, in chosen: dnnl_memory_desc_t, conversions: inout [Conversion]) -> Storage {
        var actual = buffer.format == .plain ? argument.plain : buffer.format.descriptor(argument.dims), layout = chosen
        if dnnl_memory_desc_equal(&actual, &layout) != 0 { return buffer }
        if let done = conversions.first(where: { conversion in
            var converted = conversion.layout
            return conversion.source === buffer && dnnl_memory_desc_equal(&converted, &layout) != 0
        }) {
            return done.converted
        }
        let key = LayoutKey(chosen)
        if !argument.isImage, let kept = buffer.derived[key] { return kept }
        let scratch = backend.allocate(layout: chosen)
        let reorder = OneDNN.shared.cached(Key(geometry: geometry, pass: pass, reorderFor: argument.kind, from: buffer.format)) {
            OneDNN.reorder(from: actual, to: chosen)
        }
        reorder.execute([buffer.pointer, scratch.pointer])
        conversions.append(Conversion(source: buffer, layout: chosen, converted: scratch))
        if !argument.isImage { buffer.derived[key] = scratch }
        return scratch
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
    let format: StorageFormat
    let relu: Bool
}

extension OneDNN {
    /// `x[n, c, h, w] += bias[c]` on an (N, C, H, W) buffer in place, in any format, then ReLU when `relu`, in one
    /// pass over `x`; without a bias, the ReLU alone.
    fileprivate func addChannelBias(_ x: Storage, _ bias: Storage?, shape: [Int], relu: Bool) {
        guard let bias else {
            eltwiseForward(dnnl_eltwise_relu, source: x.floats, destination: x.floats, count: x.count)
            return
        }
        let format = x.format
        let primitive = cached(ChannelBiasKey(shape: shape, format: format, relu: relu)) {
            var data = format.descriptor(shape)                                  // (N, C, H, W) in x's format
            // Broadcast over N, H, W, described in x's format: a bias of C values is that layout of (1, C, 1, 1) in
            // either format, and oneDNN has JIT kernels only for operands of one format (otherwise a reference loop,
            // measured 20 times slower on the benchmark autoencoder).
            var channels = format.descriptor([1, shape[1], 1, 1])
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
