import Foundation
import Plexus
import PlexusFormats
import PlexusKit

/// Colour mode of the model's input: `gray` (1 channel) or `rgb` (3).
public enum ColorMode: String, CaseIterable, Sendable, Codable {
    case gray, rgb

    var channels: Int { self == .gray ? 1 : 3 }
}

/// The model's input: every image is converted to `channels` and resized to `width` × `height`, then fed as
/// NCHW Float32 with pixel values in [0, 1] (the PNG's samples divided by their maximum, like Keras's
/// `Rescaling(1/255)` and torchvision's `ToTensor`; no mean subtraction: the networks normalise with BatchNorm).
public struct ImageGeometry: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int

    public init(width: Int, height: Int, channels: Int) {
        self.width = width
        self.height = height
        self.channels = channels
    }

    /// The per-sample tensor shape, [channels, height, width].
    public var shape: [Int] { [channels, height, width] }
    public var color: ColorMode { channels == 1 ? .gray : .rgb }
    public var description: String { "\(width)x\(height) \(color.rawValue)" }

    /// `WxH` as in `--image-size 28x28`.
    public static func parseSize(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else { return nil }
        return (width, height)
    }

    /// The geometry for a training set: the given size or the first image's, the given colour or `rgb` when any
    /// image has colour (palette files count as colour) and `gray` otherwise.
    static func infer(from files: [ImageFile], size: (width: Int, height: Int)?, color: ColorMode?) -> ImageGeometry {
        infer(firstSize: (files[0].width, files[0].height), channels: files.map(\.channels), size: size, color: color)
    }

    /// The same from the first image's size and every image's channel count (a stored data set's rows).
    static func infer(firstSize: (width: Int, height: Int), channels: [Int], size: (width: Int, height: Int)?, color: ColorMode?) -> ImageGeometry {
        ImageGeometry(width: size?.width ?? firstSize.width, height: size?.height ?? firstSize.height,
                      channels: color?.channels ?? (channels.contains { $0 >= 3 } ? 3 : 1))
    }

    /// `image` as this geometry's CHW pixels: alpha composited over black, colour converted (ITU-R 601 luma for
    /// gray), resized bilinearly when the size differs.
    func pixels(of image: PNGImage) -> [Float] {
        var converted = image.converted(toChannels: channels)
        if converted.width != width || converted.height != height { converted = converted.resized(width: width, height: height) }
        let plane = width * height
        var output = [Float](repeating: 0, count: channels * plane)
        for index in 0..<plane {
            for channel in 0..<channels { output[channel * plane + index] = converted.pixels[index * channels + channel] }
        }
        return output
    }

    /// Decodes PNG `bytes` (read from `path`) into sample `position` of a batch buffer: what a `SampleSource`
    /// does for each image it loads, whether the bytes came from a file or from the `images` table.
    func decode(_ bytes: [UInt8], path: String, into output: UnsafeMutableBufferPointer<Float>, at position: Int) throws {
        let size = channels * width * height
        let pixels = self.pixels(of: try PNG.decode(bytes, path: path))
        pixels.withUnsafeBufferPointer { source in
            _ = UnsafeMutableBufferPointer(rebasing: output[position * size ..< (position + 1) * size]).initialize(from: source)
        }
    }

    /// The files' images as model inputs, [N, C, H, W]: one tensor when the scan kept every decoded image, else
    /// streamed, each batch decoded from its files on the loader thread. Each decoded image is released once it is
    /// in the tensor, so memory holds the images or the tensor, not both.
    func samples(_ files: inout [ImageFile]) -> Samples {
        guard files.allSatisfy({ $0.image != nil }) else { return Samples(ImageFileSource(paths: files.map(\.path), geometry: self)) }
        var scalars: [Float] = []
        scalars.reserveCapacity(files.count * channels * width * height)
        for index in files.indices {
            if let image = files[index].image { scalars += pixels(of: image) }
            files[index].image = nil
        }
        ProcessMemory.returnFreedMemory()
        return Samples(Tensor(shape: [files.count] + shape, scalars: scalars))
    }
}

/// PNG files decoded and converted to `geometry` when a batch needs them: a folder larger than memory trains and
/// predicts with memory bounded by the batch size.
struct ImageFileSource: SampleSource {
    let paths: [String]
    let geometry: ImageGeometry

    var count: Int { paths.count }
    var sampleShape: [Int] { geometry.shape }

    func load(_ indices: [Int], into output: UnsafeMutableBufferPointer<Float>) throws {
        for (position, index) in indices.enumerated() {
            let path = paths[index]
            try geometry.decode(try ImageFileError.reread(path), path: path, into: output, at: position)
        }
    }
}

/// Training-time augmentation as a layer, as Keras's `RandomFlip("horizontal")` and `RandomTranslation(0.1, 0.1)`
/// preprocessing layers: in training mode each image is flipped left-right with probability ½ and shifted by up to
/// 10% of its size in each direction (the uncovered border filled with 0, black); in evaluation mode it is the
/// identity, so validation, test and `predict` see the images as they are.
///
/// It wraps the model and reports the model's own layers as its children, so its parameter names, checkpoints and
/// saved weights are exactly the model's (`0.weight`, …): what is saved loads into the plain model. Its generator is
/// `Stochastic`, so a run resumed from a `TrainingState` augments as the uninterrupted run would have.
final class Augmented: Module, Stochastic {
    let model: Module
    var randomGenerator: RandomGenerator

    init(_ model: Module, seed: UInt64) {
        self.model = model
        randomGenerator = RandomGenerator(seed: seed)
        super.init()
    }

    override var children: [(name: String, module: Module)] { model.children }

    override func forward(_ x: Tensor) -> Tensor {
        model(isTraining ? augment(x) : x)
    }

    /// Flips and shifts each image of an [N, C, H, W] batch.
    func augment(_ x: Tensor) -> Tensor {
        let (count, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let maxShift = (height: Int((Double(height) * 0.1).rounded()), width: Int((Double(width) * 0.1).rounded()))
        let input = x.scalars
        var output = [Float](repeating: 0, count: input.count)
        for n in 0..<count {
            let flip = randomGenerator.next() % 2 == 1
            let dy = Int(randomGenerator.next() % UInt64(2 * maxShift.height + 1)) - maxShift.height
            let dx = Int(randomGenerator.next() % UInt64(2 * maxShift.width + 1)) - maxShift.width
            for c in 0..<channels {
                let plane = (n * channels + c) * height * width
                for y in 0..<height {
                    let sourceY = y - dy
                    guard sourceY >= 0 && sourceY < height else { continue }
                    for x in 0..<width {
                        let shifted = x - dx
                        guard shifted >= 0 && shifted < width else { continue }
                        let sourceX = flip ? width - 1 - shifted : shifted
                        output[plane + y * width + x] = input[plane + sourceY * width + sourceX]
                    }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: output)
    }
}
