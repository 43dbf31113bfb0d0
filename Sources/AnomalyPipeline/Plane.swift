import Foundation
import Plexus
import PlexusFormats

/// A single-channel image of `Float` values, row by row: the working type for scans, error maps and masks.
public struct Plane: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height, "Plane: \(width)x\(height) needs that many values, got \(values.count)")
        self.width = width
        self.height = height
        self.values = values
    }

    public init(width: Int, height: Int, repeating value: Float = 0) {
        self.init(width: width, height: height, values: [Float](repeating: value, count: width * height))
    }

    /// A PNG's first channel after conversion to gray (alpha composited over black).
    public init(_ image: PNGImage) {
        self.init(width: image.width, height: image.height, values: image.converted(toChannels: 1).pixels)
    }

    public subscript(x: Int, y: Int) -> Float {
        get { values[y * width + x] }
        set { values[y * width + x] = newValue }
    }

    /// The plane as an 8-bit-ready gray PNG image (values are clamped to 0...1 when encoded).
    public var grayImage: PNGImage { PNGImage(width: width, height: height, channels: 1, pixels: values) }

    /// Bilinear resize (PyTorch's `align_corners=False`), through `PNGImage.resized`.
    public func resized(width newWidth: Int, height newHeight: Int) -> Plane {
        if newWidth == width && newHeight == height { return self }
        return Plane(grayImage.resized(width: newWidth, height: newHeight))
    }

    public func map(_ transform: (Float) -> Float) -> Plane {
        Plane(width: width, height: height, values: values.map(transform))
    }

    public func zipWith(_ other: Plane, _ combine: (Float, Float) -> Float) -> Plane {
        precondition(width == other.width && height == other.height, "Plane.zipWith: sizes differ")
        return Plane(width: width, height: height, values: zip(values, other.values).map(combine))
    }

    /// Separable Gaussian blur. Near the border the kernel is renormalised over the pixels that exist, so a
    /// constant image stays constant and the border does not darken.
    public func blurred(sigma: Double) -> Plane {
        guard sigma > 0 else { return self }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        let kernel = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        func pass(_ input: [Float], horizontal: Bool) -> [Float] {
            var output = [Float](repeating: 0, count: input.count)
            for y in 0..<height {
                for x in 0..<width {
                    var total: Float = 0, weight: Float = 0
                    for offset in -radius...radius {
                        let (sx, sy) = horizontal ? (x + offset, y) : (x, y + offset)
                        guard sx >= 0, sx < width, sy >= 0, sy < height else { continue }
                        let w = kernel[offset + radius]
                        total += w * input[sy * width + sx]
                        weight += w
                    }
                    output[y * width + x] = total / weight
                }
            }
            return output
        }
        return Plane(width: width, height: height, values: pass(pass(values, horizontal: true), horizontal: false))
    }

    /// The bilinear value at a fractional position, the nearest edge pixel beyond the border.
    public func sampled(_ x: Float, _ y: Float) -> Float {
        let cx = min(max(x, 0), Float(width - 1)), cy = min(max(y, 0), Float(height - 1))
        let (x0, y0) = (Int(cx), Int(cy))
        let (x1, y1) = (min(x0 + 1, width - 1), min(y0 + 1, height - 1))
        let (fx, fy) = (cx - Float(x0), cy - Float(y0))
        let top = self[x0, y0] * (1 - fx) + self[x1, y0] * fx, bottom = self[x0, y1] * (1 - fx) + self[x1, y1] * fx
        return top * (1 - fy) + bottom * fy
    }

    /// Smooth random noise of mean 0 and standard deviation 1: white noise blurred by a Gaussian of `sigma` pixels.
    public static func smoothNoise(width: Int, height: Int, sigma: Double, rng: inout RandomGenerator) -> Plane {
        let white = Plane(width: width, height: height, values: (0..<width * height).map { _ in rng.nextNormal() })
        let smooth = white.blurred(sigma: sigma)
        let mean = smooth.values.reduce(0, +) / Float(smooth.values.count)
        let std = (smooth.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(smooth.values.count)).squareRoot()
        return smooth.map { ($0 - mean) / max(std, 1e-6) }
    }

    /// For each pixel of a 0/1 mask, the distance in pixels to the nearest pixel outside it (0 outside), by the
    /// two-pass 3-4 chamfer transform (within 8% of the Euclidean distance). Pixels beyond the border count as outside.
    public func distanceInside() -> [Float] {
        let far = Float(width + height) * 3
        var distance = values.map { $0 > 0.5 ? far : 0 }
        func relax(_ x: Int, _ y: Int, _ dx: Int, _ dy: Int, _ cost: Float) {
            let (nx, ny) = (x + dx, y + dy)
            let neighbour = nx >= 0 && nx < width && ny >= 0 && ny < height ? distance[ny * width + nx] : 0
            distance[y * width + x] = min(distance[y * width + x], neighbour + cost)
        }
        for y in 0..<height {
            for x in 0..<width where distance[y * width + x] > 0 {
                relax(x, y, -1, 0, 3); relax(x, y, 0, -1, 3); relax(x, y, -1, -1, 4); relax(x, y, 1, -1, 4)
            }
        }
        for y in stride(from: height - 1, through: 0, by: -1) {
            for x in stride(from: width - 1, through: 0, by: -1) where distance[y * width + x] > 0 {
                relax(x, y, 1, 0, 3); relax(x, y, 0, 1, 3); relax(x, y, 1, 1, 4); relax(x, y, -1, 1, 4)
            }
        }
        return distance.map { $0 / 3 }
    }
}
