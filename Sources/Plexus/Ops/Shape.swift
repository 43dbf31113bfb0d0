/// Shape manipulation: reshape, permute, slice, concat, stack, index-select, gather.
extension Tensor {
    /// Same values, new shape; one dimension may be -1 and is inferred.
    public func reshape(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            target[unknown] = count / known
        }
        precondition(target.reduce(1, *) == count, "cannot reshape \(shape) (\(count) values) to \(newShape)")
        if target == shape { return self }
        return .result(target, storage, .reshape(self), inputs: [self])
    }

    /// Reorders axes: output axis i is input axis `dims[i]`.
    public func permuted(_ dims: [Int]) -> Tensor {
        let dims = dims.map { axis($0) }
        precondition(dims.sorted() == Array(0..<rank), "permute: \(dims) is not a permutation of \(rank) axes")
        if dims == Array(0..<rank) { return self }
        let strides = layout.strides
        let view = Layout(shape: dims.map { shape[$0] }, strides: dims.map { strides[$0] })
        let out = backend.allocate(count)
        backend.copy(storage, view, into: out, Layout(contiguous: view.shape))
        return .result(view.shape, out, .permute(self, dims), inputs: [self])
    }

    /// Swaps two axes.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var dims = Array(0..<rank)
        dims.swapAt(axis(a), axis(b))
        return permuted(dims)
    }

    /// Elements `start, start + step, …` before `end` along `axis` (Python's `x[..., start:end:step]`).
    public func slice(axis: Int, start: Int, end: Int, step: Int = 1) -> Tensor {
        let axis = self.axis(axis)
        precondition(step > 0 && start >= 0 && end <= shape[axis] && start <= end,
                     "slice \(start)..<\(end) step \(step) out of range for axis \(axis) of \(shape)")
        var outShape = shape
        outShape[axis] = (end - start + step - 1) / step
        var strides = layout.strides
        let offset = start * strides[axis]
        strides[axis] *= step
        let out = backend.allocate(outShape.reduce(1, *))
        backend.copy(storage, Layout(shape: outShape, strides: strides, offset: offset), into: out, Layout(contiguous: outShape))
        return .result(outShape, out, .slice(self, axis: axis, start: start, step: step), inputs: [self])
    }

    /// Joins tensors along an existing axis.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat needs at least one tensor")
        let axis = parts[0].axis(axis)
        var shape = parts[0].shape
        for part in parts {
            precondition(part.rank == shape.count && part.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == shape[$0.offset] },
                         "concat: shape \(part.shape) does not match \(shape) outside axis \(axis)")
        }
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let backend = parts[0].backend
        let out = backend.allocate(shape.reduce(1, *))
        let strides = Layout.contiguousStrides(shape)
        var start = 0
        for part in parts {
            backend.copy(part.storage, part.layout, into: out, Layout(shape: part.shape, strides: strides, offset: start * strides[axis]))
            start += part.shape[axis]
        }
        return .result(shape, out, .concat(parts, axis: axis), inputs: parts)
    }

    /// Joins same-shaped tensors along a new axis.
    public static func stack(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "stack needs at least one tensor")
        let axis = parts[0].axis(axis, rankPlus: 1)
        return concat(parts.map { part in
            var shape = part.shape
            shape.insert(1, at: axis)
            return part.reshape(shape)
        }, axis: axis)
    }

    /// Picks the slices `indices` along `axis` (PyTorch's `index_select`).
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let axis = self.axis(axis)
        let (outer, length, inner) = split(at: axis)
        precondition(indices.allSatisfy { $0 >= 0 && $0 < length }, "indexSelect: index out of range 0..<\(length)")
        var outShape = shape
        outShape[axis] = indices.count
        let out = backend.indexSelect(storage, outer: outer, axis: length, inner: inner, indices: indices)
        return .result(outShape, out, .indexSelect(self, outer: outer, axis: length, inner: inner, indices: indices), inputs: [self])
    }

    /// PyTorch's `gather`: `out[i][j][k] = x[i][index[i][j][k]][k]` for axis 1; `indices` is row-major of `indexShape`.
    public func gather(axis: Int, indices: [Int], indexShape: [Int]) -> Tensor {
        let axis = self.axis(axis)
        precondition(indexShape.count == rank && indices.count == indexShape.reduce(1, *), "gather: index shape \(indexShape) does not fit \(shape)")
        // Turn every index into a flat offset into this tensor, then select those elements.
        let strides = layout.strides, indexStrides = Layout.contiguousStrides(indexShape)
        let offsets = indices.enumerated().map { position, index -> Int in
            precondition(index >= 0 && index < shape[axis], "gather: index \(index) out of range 0..<\(shape[axis])")
            var offset = 0
            for d in 0..<rank {
                let coordinate = d == axis ? index : (position / indexStrides[d]) % indexShape[d]
                offset += coordinate * strides[d]
            }
            return offset
        }
        return reshape([count]).indexSelect(axis: 0, indices: offsets).reshape(indexShape)
    }
}
