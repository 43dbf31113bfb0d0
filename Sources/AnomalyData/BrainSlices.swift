import AnomalyPipeline
import Foundation
import Plexus
import PlexusCharts
import PlexusFormats
import PlexusKit

/// Builds the brain-MRI data set of `anomaly prepare` from NIfTI volumes: axial slices resampled to a square
/// image, intensity-normalised, split into train / val / test by their height in the head, with a synthetic lesion
/// of every kind (`LesionKind`) painted into its own copy of every test slice, and normal test slices of anatomy the
/// training set does not show.
///
/// Layout written under the output directory (the one `anomaly train` and `anomaly score` read):
///
///     train/<volume>_z<mm>.png                  normal slices to learn from
///     val/<volume>_z<mm>.png                    held-out normal slices that set the threshold
///     test/normal/<volume>_z<mm>.png            normal test slices (kind `normal`)
///     test/normal/<volume>_z<mm>_<kind>.png     other normal anatomy: `other-height` (levels too near the top of
///                                               the head or the skull base for training), `other-subject`
///     test/abnormal/<volume>_z<mm>_<kind>.png   the normal test slices, each with one lesion of each kind
///     test/masks/<volume>_z<mm>_<kind>.png      the lesions' masks
///     test/kinds.csv                            the kind of every test scan (read by `anomaly score`)
///     slices.csv                                one row per file: volume, height, split, kind, lesion size
public enum BrainSlices {
    /// One input volume; voxels outside `brainMask` (a volume of the same grid, non-zero = brain) are zeroed.
    public struct Volume: Sendable {
        public var name: String
        public var path: String
        public var brainMask: String?

        public init(name: String, path: String, brainMask: String? = nil) {
            self.name = name
            self.path = path
            self.brainMask = brainMask
        }
    }

    /// Volumes from `NAME=PATH` arguments, with brain masks from `NAME=PATH` arguments naming the same volumes.
    public static func volumes(_ arguments: [String], brainMasks: [String]) throws -> [Volume] {
        func pair(_ argument: String, _ option: String) throws -> (String, String) {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw AnomalyError("\(option) '\(argument)': expected NAME=PATH with a name of letters, digits, - and _")
            }
            return (parts[0], parts[1])
        }
        let volumes = try arguments.map { try pair($0, "--volume") }
        let names = volumes.map(\.0)
        if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw AnomalyError("--volume: the name '\(duplicate)' is given twice")
        }
        var masks: [String: String] = [:]
        for (name, path) in try brainMasks.map({ try pair($0, "--brain-mask") }) {
            guard names.contains(name) else { throw AnomalyError("--brain-mask \(name)=...: no --volume is named '\(name)'") }
            masks[name] = path
        }
        return volumes.map { Volume(name: $0.0, path: $0.1, brainMask: masks[$0.0]) }
    }

    public struct Options: Sendable {
        public var volumes: [Volume]
        public var outputDirectory: String
        public var imageSize = 128
        /// Distance between consecutive axial slices, in millimetres.
        public var sliceSpacing = 1.0
        /// Slices are split in blocks of this height (mm), so that neighbouring slices land in the same split.
        public var blockThickness = 6.0
        /// Slices whose brain area is below this share of the volume's largest are not trained on (the top of the
        /// head and the skull base, where a slice shows little brain)...
        public var minimumBrainArea = 0.3
        /// ...and those down to this share are normal test slices of kind `other-height`, anatomy training never saw.
        public var otherHeightArea = 0.15
        /// The 99.5th percentile of brain intensities maps to this value, leaving headroom for bright lesions.
        public var whiteLevel: Float = 0.7
        public var seed: UInt64 = 42
        public var log: @Sendable (String) -> Void = { _ in }

        public init(volumes: [Volume], outputDirectory: String) {
            self.volumes = volumes
            self.outputDirectory = outputDirectory
        }
    }

    /// The splits of consecutive blocks, repeated along the head's height: 6 train, 2 val, 2 test per 10 blocks,
    /// so that every split sees every part of the brain. Blocks are numbered by world height (z in mm), the same in
    /// every volume, so a level that is a test level in one volume is a test level in all of them.
    static let blockSplits = ["train", "test", "train", "val", "train", "train", "test", "train", "val", "train"]

    public struct Summary: Sendable {
        /// Files written per split (`train`, `val`, `test/normal`, `test/abnormal`).
        public let counts: [String: Int]
        public let manifestPath: String
    }

    public static func prepare(_ options: Options) throws -> Summary {
        guard !options.volumes.isEmpty else { throw AnomalyError("prepare: give at least one --volume NAME=PATH") }
        guard options.imageSize >= 16 else { throw AnomalyError("--image-size must be at least 16, found \(options.imageSize)") }
        // Every volume is read before anything is written: a bad volume leaves an earlier build as it was.
        let volumes = try options.volumes.map { volume in
            let slices = try axialSlices(volume, options: options)
            options.log("\(volume.name): \(slices.count) axial slices from z = \(format(slices.first?.z ?? 0)) to \(format(slices.last?.z ?? 0)) mm")
            return (volume, slices)
        }
        let root = URL(fileURLWithPath: options.outputDirectory)
        // Start from empty folders so that a rebuild with other settings leaves no stale slices behind.
        for folder in ["train", "val", "test"] { try? FileManager.default.removeItem(at: root.appendingPathComponent(folder)) }
        for folder in ["train", "val", "test/normal", "test/abnormal", "test/masks"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }

        var rng = RandomGenerator(seed: options.seed)
        let synthesizer = LesionSynthesizer()
        var gallery: [[(scan: Plane, truth: Plane?, caption: String)]] = []
        var counts: [String: Int] = [:]
        var manifest = ["file,volume,z_mm,split,kind,radius_px,contrast"], kinds = ["file,kind"]
        func write(_ plane: Plane, _ folder: String, _ name: String, _ slice: Slice, _ volume: Volume, split: String, kind: String, lesion: Lesion? = nil) throws {
            try PNG.write(plane.grayImage, path: root.appendingPathComponent("\(folder)/\(name)").path)
            manifest.append("\(folder)/\(name),\(volume.name),\(format(slice.z)),\(split),\(kind),\(lesion.map { format($0.radius) } ?? ""),\(lesion.map { format($0.contrast) } ?? "")")
            if folder.hasPrefix("test/") { kinds.append("\(folder.dropFirst(5))/\(name),\(kind)") }
            counts[folder, default: 0] += 1
        }
        for (volume, slices) in volumes {
            for slice in slices {
                let height = slice.z.rounded() == slice.z ? String(format: "%03d", Int(abs(slice.z))) : String(format: "%05.1f", abs(slice.z))
                let stem = "\(volume.name)_z\(slice.z < 0 ? "-" : "+")\(height)"
                if slice.areaShare < options.minimumBrainArea {
                    try write(slice.image, "test/normal", stem + "_other-height.png", slice, volume, split: "test", kind: "other-height")
                    continue
                }
                guard let split = split(z: slice.z, options: options) else { continue }
                let folder = split == "test" ? "test/normal" : split
                try write(slice.image, folder, stem + ".png", slice, volume, split: split, kind: "normal")
                guard split == "test" else { continue }
                let otherSubject = OtherAnatomy.otherSubject(slice.image, rng: &rng)
                try write(otherSubject, folder, stem + "_other-subject.png", slice, volume, split: split, kind: "other-subject")
                var row: [(scan: Plane, truth: Plane?, caption: String)] = [(slice.image, nil, "\(stem) normal"), (otherSubject, nil, "other-subject")]
                for kind in LesionKind.allCases {
                    guard let painted = synthesizer.paint(kind, into: slice.image, brain: slice.brain, rng: &rng) else { continue }
                    let name = "\(stem)_\(kind.rawValue).png"
                    try write(painted.scan, "test/abnormal", name, slice, volume, split: split, kind: kind.rawValue, lesion: painted.lesion)
                    try PNG.write(painted.mask.grayImage, path: root.appendingPathComponent("test/masks/\(name)").path)
                    row.append((painted.scan, painted.mask, kind.rawValue))
                }
                // Every 12th test slice of each volume, with all its kinds, for the picture of the data set.
                if counts["test/abnormal", default: 0] % (12 * LesionKind.allCases.count) == LesionKind.allCases.count && row.count == 2 + LesionKind.allCases.count {
                    gallery.append(row)
                }
            }
        }
        try Data((kinds.joined(separator: "\n") + "\n").utf8).write(to: root.appendingPathComponent("test/kinds.csv"))
        if !gallery.isEmpty {
            try Rendering.gallery(gallery, title: "Test kinds: normal, other subject, and each synthetic lesion (mask outlined in cyan)")
                .writePNG(to: root.appendingPathComponent("kinds.png").path)
        }
        let manifestPath = Paths.join(options.outputDirectory, "slices.csv")
        try Data((manifest.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: manifestPath))
        return Summary(counts: counts, manifestPath: manifestPath)
    }

    /// The split of a slice at height `z`, or nil for a slice next to a block of another split (left out, so
    /// that the two splits are at least two slices apart).
    static func split(z: Double, options: Options) -> String? {
        func splitOf(_ block: Int) -> String { blockSplits[((block % blockSplits.count) + blockSplits.count) % blockSplits.count] }
        let position = z / options.blockThickness
        let block = Int(position.rounded(.down))
        let offset = (position - Double(block)) * options.blockThickness
        let own = splitOf(block)
        if offset < options.sliceSpacing * 0.99 && splitOf(block - 1) != own { return nil }
        if options.blockThickness - offset <= options.sliceSpacing * 1.01 && splitOf(block + 1) != own { return nil }
        return own
    }

    struct Slice {
        let z: Double
        let image: Plane
        /// The brain's region in the slice, holes (ventricles) filled: where lesions may go.
        let brain: Plane
        /// The brain's area as a share of the volume's largest slice.
        var areaShare = 1.0
    }

    /// The volume's axial slices (constant world z, x to the right and anterior up), resampled to a square that
    /// frames the brain's extent over the whole volume, with intensities scaled by the volume's 99.5th percentile.
    static func axialSlices(_ volume: Volume, options: Options) throws -> [Slice] {
        let image = try NIfTI.read(path: volume.path)
        guard image.dimensions.count >= 3, image.dimensions.dropFirst(3).allSatisfy({ $0 == 1 }) else {
            throw FormatError(path: volume.path, "expected one 3-D volume, found dimensions \(image.dimensions)")
        }
        var voxels = image.voxels
        if let maskPath = volume.brainMask {
            let mask = try NIfTI.read(path: maskPath)
            guard Array(mask.dimensions.prefix(3)) == Array(image.dimensions.prefix(3)) else {
                throw FormatError(path: maskPath, "brain mask of \(mask.dimensions) voxels does not match \(volume.path) (\(image.dimensions))")
            }
            voxels = zip(voxels, mask.voxels).map { $1 != 0 ? $0 : 0 }
        }
        let grid = try VoxelGrid(image, voxels: voxels, path: volume.path)
        let brainValues = voxels.filter { $0 > 0 }.sorted()
        guard !brainValues.isEmpty else { throw FormatError(path: volume.path, "the volume has no voxel above 0") }
        let scale = options.whiteLevel / brainValues[Int(Double(brainValues.count - 1) * 0.995)]

        // The brain's world bounding box, from every non-zero voxel.
        var low = [Double](repeating: .infinity, count: 3), high = [Double](repeating: -.infinity, count: 3)
        let (nx, ny, nz) = (image.dimensions[0], image.dimensions[1], image.dimensions[2])
        for k in 0..<nz {
            for j in 0..<ny {
                for i in 0..<nx where voxels[(k * ny + j) * nx + i] > 0 {
                    let world = image.world(Double(i), Double(j), Double(k))
                    for axis in 0..<3 { low[axis] = min(low[axis], world[axis]); high[axis] = max(high[axis], world[axis]) }
                }
            }
        }
        let side = max(high[0] - low[0], high[1] - low[1]) * 1.08
        let center = ((low[0] + high[0]) / 2, (low[1] + high[1]) / 2)
        let size = options.imageSize
        let pixel = side / Double(size)
        // Average several samples per pixel when the voxels are finer than the pixels, against aliasing.
        let samples = min(4, max(1, Int((pixel / grid.finestSpacing).rounded(.up))))

        var slices: [Slice] = []
        // Heights are whole multiples of the spacing, so the volumes' slices sit at the same heights.
        let (first, last) = (Int((low[2] / options.sliceSpacing).rounded(.up)), Int((high[2] / options.sliceSpacing).rounded(.down)))
        for step in stride(from: first, through: last, by: 1) {
            let z = Double(step) * options.sliceSpacing
            var plane = Plane(width: size, height: size)
            for row in 0..<size {
                for column in 0..<size {
                    var total: Float = 0
                    for sy in 0..<samples {
                        for sx in 0..<samples {
                            let x = center.0 - side / 2 + (Double(column) + (Double(sx) + 0.5) / Double(samples)) * pixel
                            let y = center.1 + side / 2 - (Double(row) + (Double(sy) + 0.5) / Double(samples)) * pixel
                            total += grid.sample(x, y, z)
                        }
                    }
                    plane[column, row] = min(1, max(0, total / Float(samples * samples) * scale))
                }
            }
            slices.append(Slice(z: z, image: plane, brain: ScanMask.filled(plane, level: 0.05)))
        }
        let areas = slices.map { $0.brain.values.reduce(0, +) }
        let largest = areas.max() ?? 0
        return zip(slices, areas).compactMap { slice, area in
            var slice = slice
            slice.areaShare = largest > 0 ? Double(area / largest) : 0
            return slice.areaShare >= options.otherHeightArea ? slice : nil
        }
    }

    private static func format(_ value: Double) -> String { String(format: "%.2f", value).replacingOccurrences(of: ".00", with: "") }
}

/// Trilinear sampling of a volume at world coordinates, through the inverse of its voxel-to-world affine.
struct VoxelGrid {
    let dimensions: (x: Int, y: Int, z: Int)
    let voxels: [Float]
    /// World-to-voxel: rows of a 3×4 matrix.
    let inverse: [[Double]]
    let finestSpacing: Double

    /// `voxels` are `volume`'s own or a masked copy of them.
    init(_ volume: NIfTIVolume, voxels: [Float], path: String) throws {
        dimensions = (volume.dimensions[0], volume.dimensions[1], volume.dimensions[2])
        self.voxels = voxels
        let m = volume.affine.map { Array($0.prefix(3)) }
        let determinant = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        guard abs(determinant) > 1e-12 else { throw FormatError(path: path, "the voxel-to-world matrix is singular; the header's sform/qform is broken") }
        // The inverse by cofactors, then the translation moved to the other side.
        var rotation = [[Double]](repeating: [0, 0, 0], count: 3)
        for row in 0..<3 {
            for column in 0..<3 {
                let (r1, r2) = ((column + 1) % 3, (column + 2) % 3), (c1, c2) = ((row + 1) % 3, (row + 2) % 3)
                rotation[row][column] = (m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]) / determinant
            }
        }
        let translation = volume.affine.map { $0[3] }
        inverse = rotation.map { row in row + [-(row[0] * translation[0] + row[1] * translation[1] + row[2] * translation[2])] }
        finestSpacing = (0..<3).map { axis in (0..<3).map { m[$0][axis] * m[$0][axis] }.reduce(0, +).squareRoot() }.min()!
    }

    /// The interpolated value at a world point (x, y, z); 0 outside the volume. Written without arrays: it runs
    /// for every sample of every pixel of every slice.
    func sample(_ x: Double, _ y: Double, _ z: Double) -> Float {
        let (r0, r1, r2) = (inverse[0], inverse[1], inverse[2])
        let vx = r0[0] * x + r0[1] * y + r0[2] * z + r0[3]
        let vy = r1[0] * x + r1[1] * y + r1[2] * z + r1[3]
        let vz = r2[0] * x + r2[1] * y + r2[2] * z + r2[3]
        let (i, j, k) = (Int(vx.rounded(.down)), Int(vy.rounded(.down)), Int(vz.rounded(.down)))
        let (fx, fy, fz) = (Float(vx - Double(i)), Float(vy - Double(j)), Float(vz - Double(k)))
        var total: Float = 0
        for dz in 0...1 where k + dz >= 0 && k + dz < dimensions.z {
            let wz = dz == 1 ? fz : 1 - fz
            for dy in 0...1 where j + dy >= 0 && j + dy < dimensions.y {
                let wy = dy == 1 ? fy : 1 - fy
                let rowStart = ((k + dz) * dimensions.y + j + dy) * dimensions.x
                for dx in 0...1 where i + dx >= 0 && i + dx < dimensions.x {
                    total += wz * wy * (dx == 1 ? fx : 1 - fx) * voxels[rowStart + i + dx]
                }
            }
        }
        return total
    }
}
