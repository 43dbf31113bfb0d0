/// A decoded image: `height` rows of `width` pixels of `channels` interleaved values in 0...1
/// (HWC order). Channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
public struct PNGImage: Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition((1...4).contains(channels), "PNGImage: channels must be 1...4, got \(channels)")
        precondition(pixels.count == width * height * channels,
                      "PNGImage: \(width)x\(height)x\(channels) needs that many values, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The image as gray (1) or RGB (3). Alpha is composited over black; RGB becomes gray with
    /// ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B); gray becomes RGB by repeating it.
    public func converted(toChannels target: Int) -> PNGImage {
        precondition(target == 1 || target == 3, "PNGImage.converted: target must be 1 or 3, got \(target)")
        if channels == target { return self }
        var output: [Float] = []
        output.reserveCapacity(width * height * target)
        for base in stride(from: 0, to: pixels.count, by: channels) {
            let alpha: Float = channels % 2 == 0 ? pixels[base + channels - 1] : 1
            if channels <= 2 {
                let gray = pixels[base] * alpha
                output.append(contentsOf: repeatElement(gray, count: target))
            } else {
                let (r, g, b) = (pixels[base] * alpha, pixels[base + 1] * alpha, pixels[base + 2] * alpha)
                if target == 1 {
                    output.append(0.299 * r + 0.587 * g + 0.114 * b)
                } else {
                    output.append(contentsOf: [r, g, b])
                }
            }
        }
        return PNGImage(width: width, height: height, channels: target, pixels: output)
    }

    /// The image scaled to `width` x `height` by bilinear interpolation with half-pixel centres,
    /// matching PyTorch's `F.interpolate(mode='bilinear', align_corners=False)` (no antialiasing).
    public func resized(width newWidth: Int, height newHeight: Int) -> PNGImage {
        precondition(newWidth > 0 && newHeight > 0, "PNGImage.resized: size must be positive")
        let columns = Self.bilinearTaps(from: width, to: newWidth)
        let rows = Self.bilinearTaps(from: height, to: newHeight)
        var output = [Float](repeating: 0, count: newWidth * newHeight * channels)
        for (y, row) in rows.enumerated() {
            let top = row.low * width, bottom = row.high * width
            for (x, column) in columns.enumerated() {
                let out = (y * newWidth + x) * channels
                for c in 0..<channels {
                    func sample(_ rowStart: Int, _ x: Int) -> Float { pixels[(rowStart + x) * channels + c] }
                    let upper = (1 - column.weight) * sample(top, column.low) + column.weight * sample(top, column.high)
                    let lower = (1 - column.weight) * sample(bottom, column.low) + column.weight * sample(bottom, column.high)
                    output[out + c] = (1 - row.weight) * upper + row.weight * lower
                }
            }
        }
        return PNGImage(width: newWidth, height: newHeight, channels: channels, pixels: output)
    }

    /// For each output index along one axis: the two input indices it blends and the weight of
    /// the second. Output pixel `o` is centred on input coordinate `(o + 0.5) * in / out - 0.5`,
    /// clamped at 0 as PyTorch does.
    private static func bilinearTaps(from input: Int, to output: Int) -> [(low: Int, high: Int, weight: Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { o in
            let source = max(scale * (Float(o) + 0.5) - 0.5, 0)
            let low = min(Int(source), input - 1)
            return (low, min(low + 1, input - 1), source - Float(low))
        }
    }
}
