import Foundation
import PlexusFormats
import PlexusKit

/// A PNG file read from disk: its bytes (stored in `images` and hashed there) and its decoded pixels.
struct ImageFile {
    let path: String
    /// The class folder the file is in, or nil for unlabelled files.
    let label: String?
    let bytes: [UInt8]
    let image: PNGImage

    func row(split: String) throws -> ImageRow {
        try ImageRow(path: path, label: label, split: split, png: bytes, decoded: image)
    }
}

/// Files found under one or more paths: the images that decoded, and the files that did not, each with the reason.
struct ImageScan {
    var files: [ImageFile] = []
    var skipped: [FormatError] = []
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
    static func labelled(_ directory: String, strict: Bool, minimumClasses: Int = 2) throws -> (classes: [String], scan: ImageScan) {
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
        var scan = ImageScan()
        for name in classes {
            let folder = Paths.join(directory, name)
            let paths = try filesRecursively(in: folder)
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
    static func unlabelled(_ paths: [String], classes: [String], strict: Bool) throws -> ImageScan {
        var scan = ImageScan()
        let known = Set(classes)
        for path in paths {
            guard FileManager.default.fileExists(atPath: path) else { throw ClassifyError("\(path): no such file or folder") }
            let files = Paths.isDirectory(path) ? try filesRecursively(in: path) : [path]
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
                scan.files.append(ImageFile(path: path, label: label, bytes: bytes, image: try PNG.decode(bytes, path: path)))
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
