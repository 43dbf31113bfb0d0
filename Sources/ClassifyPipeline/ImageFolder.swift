import Foundation
import Plexus
import PlexusFormats
import PlexusKit

/// A PNG file read from disk and checked: its class, its own size and colour, and its content hash. Its decoded
/// pixels are kept only while the scan's memory budget allows (`ImageScan`); otherwise the file is decoded again
/// whenever a batch needs it.
struct ImageFile {
    let path: String
    /// The class folder the file is in, or nil for unlabelled files.
    let label: String?
    let width: Int
    let height: Int
    let channels: Int
    let sha256: String
    var image: PNGImage?

    /// The file's `images` row; its bytes are read from the file again when the row is stored.
    func row(split: String) -> ImageRow {
        ImageRow(path: path, label: label, split: split, width: width, height: height, channels: channels, sha256: sha256, png: .file(path))
    }
}

/// Files found under one or more paths: the images that decoded, and the files that did not, each with the reason.
/// Decoded pixels are kept while they fit in `budget` bytes (as Float32, what the tensors will take); past that,
/// none are kept and the images are streamed from their files. The first image, times the number of files found,
/// predicts the total, so a folder that will not fit is streamed from the start instead of filling memory first.
struct ImageScan {
    var files: [ImageFile] = []
    var skipped: [FormatError] = []
    var budget: Int
    var keptBytes = 0
    /// How many files the scan will read.
    var expectedCount = 0

    init(budget: Int) { self.budget = budget }

    /// Whether every file's decoded image is in memory.
    var isDecoded: Bool { files.allSatisfy { $0.image != nil } }

    mutating func add(_ file: ImageFile, decoded image: PNGImage) {
        var file = file
        let bytes = image.pixels.count * MemoryLayout<Float>.size
        if files.isEmpty && bytes * expectedCount > budget { dropDecoded() }
        if keptBytes + bytes <= budget {
            file.image = image
            keptBytes += bytes
        } else if budget >= 0 {
            // Over the budget: every file is streamed, rather than some kept and some not.
            dropDecoded()
        }
        files.append(file)
    }

    /// Forgets every decoded image and keeps none from now on.
    mutating func dropDecoded() {
        for index in files.indices { files[index].image = nil }
        keptBytes = 0
        budget = -1
    }

    /// What is left of the budget for another scan that shares it: nothing once this one streams.
    var remainingBudget: Int { budget < 0 ? -1 : budget - keptBytes }
}

/// A problem with what a user asked classify to do (folders, runs, options), in one line naming the folder, file
/// or run and what was expected.
public struct ClassifyError: UserFacingError {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Reads folders of PNGs the way Keras's `image_dataset_from_directory` and torchvision's `ImageFolder` do: one
/// subfolder per class, class names sorted alphabetically (that order is the model's output order), files found
/// recursively inside each class folder. Hidden files and folders (names starting with `.`) are ignored. Every
/// other file must be a PNG: one that does not decode is skipped and reported, or is an error with `strict`.
enum ImageFolder {
    /// The class folders of `directory`, sorted, and their images. Errors: no such folder, no class folders, fewer
    /// than `minimumClasses` (training needs two; evaluating a model on one class is fine), a class folder without images.
    static func labelled(_ directory: String, strict: Bool, minimumClasses: Int = 2,
                         budget: Int = ImageMemory.defaultBudget) throws -> (classes: [String], scan: ImageScan) {
        let classes = try subfolders(of: directory)
        guard !classes.isEmpty else {
            let hint = try visibleEntries(of: directory).contains { !Paths.isDirectory(Paths.join(directory, $0)) }
                ? " (it holds files directly; put them in one subfolder per class, e.g. \(Paths.join(directory, "cat/1.png")))"
                : " (expected one subfolder of PNGs per class, e.g. \(Paths.join(directory, "cat/1.png")))"
            throw ClassifyError("\(directory): no class folders found\(hint)")
        }
        guard classes.count >= minimumClasses else {
            throw ClassifyError("\(directory): only one class folder ('\(classes[0])'); a classifier needs at least two classes")
        }
        var scan = ImageScan(budget: budget)
        let folders = try classes.map { name in (name, Paths.join(directory, name), try filesRecursively(in: Paths.join(directory, name))) }
        scan.expectedCount = folders.map(\.2.count).reduce(0, +)
        for (name, folder, paths) in folders {
            let before = scan.files.count, skippedBefore = scan.skipped.count
            try read(paths, label: name, strict: strict, into: &scan)
            if scan.files.count == before {
                let skipped = scan.skipped.count - skippedBefore
                throw ClassifyError("\(folder): class folder has no images" + (skipped > 0 ? " that decode (\(filesCount(skipped)) skipped)" : ""))
            }
        }
        return (classes, scan)
    }

    /// The PNGs at `paths` (files, or folders searched recursively), unlabelled unless a file's parent folder is
    /// named after one of `classes`, in which case that is taken as its label (the layout `evaluate` reads).
    static func unlabelled(_ paths: [String], classes: [String], strict: Bool, budget: Int = ImageMemory.defaultBudget) throws -> ImageScan {
        var scan = ImageScan(budget: budget)
        let known = Set(classes)
        let listed = try paths.map { path in
            guard FileManager.default.fileExists(atPath: path) else { throw ClassifyError("\(path): no such file or folder") }
            return Paths.isDirectory(path) ? try filesRecursively(in: path) : [path]
        }
        scan.expectedCount = listed.map(\.count).reduce(0, +)
        for files in listed {
            for file in files {
                let parent = URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent
                try read([file], label: known.contains(parent) ? parent : nil, strict: strict, into: &scan)
            }
        }
        guard !scan.files.isEmpty else {
            throw ClassifyError("\(paths.joined(separator: ", ")): no images found"
                                   + (scan.skipped.isEmpty ? "" : " that decode (\(filesCount(scan.skipped.count)) skipped)"))
        }
        return scan
    }

    private static func read(_ paths: [String], label: String?, strict: Bool, into scan: inout ImageScan) throws {
        for path in paths {
            do {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                let image = try PNG.decode(bytes, path: path)
                scan.add(ImageFile(path: path, label: label, width: image.width, height: image.height, channels: image.channels,
                                   sha256: try SHA256.hex(bytes)), decoded: image)
            } catch let error as FormatError {
                if strict { throw error }
                scan.skipped.append(error)
            } catch {
                throw ClassifyError("\(path): cannot read file (\(error.localizedDescription))")
            }
        }
    }

    /// `1 file`, `3 files`.
    static func filesCount(_ count: Int) -> String { "\(count) file\(count == 1 ? "" : "s")" }

    // MARK: - File system

    /// Visible subfolders of `directory`, sorted by name (byte order, as Python's `sorted`, which Keras uses).
    static func subfolders(of directory: String) throws -> [String] {
        try visibleEntries(of: directory).filter { Paths.isDirectory(Paths.join(directory, $0)) }.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
    }

    private static func visibleEntries(of directory: String) throws -> [String] {
        guard Paths.isDirectory(directory) else { throw ClassifyError("\(directory): no such folder") }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }
        } catch {
            throw ClassifyError("\(directory): cannot list folder (\(error.localizedDescription))")
        }
    }

    /// Every visible regular file under `folder`, at any depth, sorted by path.
    private static func filesRecursively(in folder: String) throws -> [String] {
        var files: [String] = []
        for name in try visibleEntries(of: folder) {
            let path = Paths.join(folder, name)
            if Paths.isDirectory(path) { files += try filesRecursively(in: path) } else { files.append(path) }
        }
        return files.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
    }
}
