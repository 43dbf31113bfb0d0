import Foundation
import PlexusFormats
import PlexusKit

/// One scan read from disk: the file as stored (for the `images` table) and the gray plane the detectors see.
public struct Scan {
    /// The path as the user gave it, joined with the file name (what `images.path` and `anomaly_scores.path` hold).
    public let path: String
    /// `normal` or `abnormal` in a labelled folder, else nil.
    public let label: String?
    public let row: ImageRow
    /// Gray, resized to the run's image size.
    public let plane: Plane
    /// The lesion mask (0/1) at the run's image size: present for every scan of a labelled folder with `masks/`
    /// (all zeros for normal scans), nil otherwise.
    public let truth: Plane?
    /// What kind of normal or abnormal scan it is (`heterogeneous`, `other-height`…), from the labelled folder's
    /// `kinds.csv`; its label when the folder has none, nil for an unlabelled scan. Metrics are reported per kind.
    public var kind: String?
}

/// Reads folders of PNG scans, flat or in anomalib's `Folder` layout:
///
///     DIR/normal/*.png     normal scans
///     DIR/abnormal/*.png   abnormal scans (optional)
///     DIR/masks/*.png      one mask per abnormal scan, same file name and size (optional)
///     DIR/kinds.csv        `file,kind`: the kind of each scan, by its path under DIR (`abnormal/a.png`) (optional)
///
/// Anything else in a folder (another file type, a stray subfolder) is an error naming it, not silently skipped:
/// a scan left out without a word would change every number. Hidden files (`.DS_Store`) are ignored.
public enum ImageFolder {
    static let layoutFolders = ["normal", "abnormal", "masks"]

    /// The PNG files directly in `directory`, sorted by name.
    static func pngFiles(in directory: String, allowing subfolders: Set<String> = [], files others: Set<String> = []) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw FormatError(path: directory, "no such file or folder")
        }
        guard isDirectory.boolValue else { throw FormatError(path: directory, "expected a folder of PNG scans, found a file") }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
        var files: [String] = []
        for name in names {
            let path = Paths.join(directory, name)
            if Paths.isDirectory(path) {
                guard subfolders.contains(name) else {
                    throw FormatError(path: path, "unexpected folder (expected PNG files, or the layout normal/, abnormal/ and masks/)")
                }
                continue
            }
            if others.contains(name) { continue }
            guard name.lowercased().hasSuffix(".png") else {
                throw FormatError(path: path, "not a PNG file (expected only .png scans in \(directory))")
            }
            files.append(path)
        }
        return files
    }

    /// Whether `directory` uses the labelled layout (it has a `normal/`, `abnormal/` or `masks/` subfolder).
    static func isLabelled(_ directory: String) -> Bool {
        layoutFolders.contains { Paths.isDirectory(Paths.join(directory, $0)) }
    }

    /// The normal scans to train on (labelled `normal`): the PNGs in `directory`, or in `directory/normal/` when it
    /// uses the labelled layout (its abnormal scans, if any, are not used for training).
    public static func normalScans(in directory: String, split: String, size: Int) throws -> [Scan] {
        let labelled = isLabelled(directory)
        let folder = labelled ? Paths.join(directory, "normal") : directory
        if labelled && !Paths.isDirectory(folder) { throw missingNormalFolder(directory) }
        let files = try pngFiles(in: folder)
        guard !files.isEmpty else { throw FormatError(path: folder, "no PNG scans in this folder") }
        return try files.map { try load($0, label: "normal", split: split, size: size) }
    }

    /// The scans named by `paths` (files or folders, each folder flat or labelled), for `anomaly score`.
    public static func scoringScans(_ paths: [String], size: Int) throws -> [Scan] {
        guard !paths.isEmpty else { throw AnomalyError("give at least one PNG file or folder to score") }
        var scans: [Scan] = []
        for path in paths {
            if !Paths.isDirectory(path) {
                guard FileManager.default.fileExists(atPath: path) else { throw FormatError(path: path, "no such file or folder") }
                guard path.lowercased().hasSuffix(".png") else { throw FormatError(path: path, "not a PNG file (expected PNG scans or folders of them)") }
                scans.append(try load(path, label: nil, split: "test", size: size))
            } else if isLabelled(path) {
                scans += try labelledScans(path, size: size)
            } else {
                let files = try pngFiles(in: path)
                guard !files.isEmpty else { throw FormatError(path: path, "no PNG scans in this folder") }
                scans += try files.map { try load($0, label: nil, split: "test", size: size) }
            }
        }
        var seen = Set<String>()
        for scan in scans where !seen.insert(scan.path).inserted {
            throw FormatError(path: scan.path, "given twice")
        }
        return scans
    }

    /// A labelled folder: `normal/` is required (scores need normal scans to be compared with); masks, when there
    /// is a `masks/` folder, are required for every abnormal scan and must have its size.
    static func labelledScans(_ directory: String, size: Int) throws -> [Scan] {
        let normalFolder = Paths.join(directory, "normal"), abnormalFolder = Paths.join(directory, "abnormal"), maskFolder = Paths.join(directory, "masks")
        guard Paths.isDirectory(normalFolder) else { throw missingNormalFolder(directory) }
        if let loose = try pngFiles(in: directory, allowing: Set(layoutFolders), files: [kindsFile]).first {
            throw FormatError(path: loose, "a scan next to the normal/ and abnormal/ folders: move it into one of them")
        }
        let hasMasks = Paths.isDirectory(maskFolder)
        var scans = try pngFiles(in: normalFolder).map { path in
            try load(path, label: "normal", split: "test", size: size, truth: hasMasks ? Plane(width: size, height: size) : nil)
        }
        let abnormal = Paths.isDirectory(abnormalFolder) ? try pngFiles(in: abnormalFolder) : []
        for path in abnormal {
            let scan = try load(path, label: "abnormal", split: "test", size: size)
            guard hasMasks else {
                scans.append(scan)
                continue
            }
            let maskPath = Paths.join(maskFolder, (path as NSString).lastPathComponent)
            guard FileManager.default.fileExists(atPath: maskPath) else {
                throw FormatError(path: maskPath, "missing: every abnormal scan needs a mask of the same name in masks/ (for \(path))")
            }
            scans.append(Scan(path: scan.path, label: scan.label, row: scan.row, plane: scan.plane, truth: try mask(maskPath, for: scan, size: size), kind: nil))
        }
        if hasMasks {
            let expected = Set(abnormal.map { ($0 as NSString).lastPathComponent })
            if let stray = try pngFiles(in: maskFolder).first(where: { !expected.contains(($0 as NSString).lastPathComponent) }) {
                throw FormatError(path: stray, "mask without an abnormal scan of the same name in abnormal/")
            }
        }
        guard !scans.isEmpty else { throw FormatError(path: directory, "no PNG scans in normal/ or abnormal/") }
        let kinds = try self.kinds(directory, scans: scans)
        return scans.map { scan in
            var scan = scan
            scan.kind = kinds[scan.path] ?? scan.label
            return scan
        }
    }

    static let kindsFile = "kinds.csv"

    /// The kinds `DIR/kinds.csv` gives, by scan path; empty without the file. Every row must name a scan of the folder.
    static func kinds(_ directory: String, scans: [Scan]) throws -> [String: String] {
        let path = Paths.join(directory, kindsFile)
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let table = try CSV.read(path: path)
        let (fileColumn, kindColumn) = (try table.requireColumn("file"), try table.requireColumn("kind"))
        let known = Set(scans.map(\.path))
        var kinds: [String: String] = [:]
        for (row, line) in zip(table.rows, table.lineNumbers) {
            let scanPath = Paths.join(directory, row[fileColumn])
            guard known.contains(scanPath) else {
                throw FormatError(path: path, line: line, "column 'file': no scan '\(row[fileColumn])' in normal/ or abnormal/")
            }
            guard !row[kindColumn].isEmpty else { throw FormatError(path: path, line: line, "column 'kind': empty") }
            kinds[scanPath] = row[kindColumn]
        }
        return kinds
    }

    static func missingNormalFolder(_ directory: String) -> FormatError {
        let present = layoutFolders.filter { Paths.isDirectory(Paths.join(directory, $0)) }.map { $0 + "/" }.joined(separator: " and ")
        return FormatError(path: directory, "has \(present) but no normal/ folder (expected normal/, abnormal/ and optionally masks/)")
    }

    /// A mask PNG (non-zero = lesion) at the run's image size; it must have the size of the scan it belongs to.
    static func mask(_ path: String, for scan: Scan, size: Int) throws -> Plane {
        let image = try PNG.read(path: path)
        guard image.width == scan.row.width && image.height == scan.row.height else {
            throw FormatError(path: path, "mask is \(image.width)x\(image.height) but its scan \(scan.path) is \(scan.row.width)x\(scan.row.height)")
        }
        return Plane(image).map { $0 > 0.5 ? 1 : 0 }.resized(width: size, height: size).map { $0 >= 0.5 ? 1 : 0 }
    }

    static func load(_ path: String, label: String?, split: String, size: Int, truth: Plane? = nil) throws -> Scan {
        guard let data = FileManager.default.contents(atPath: path) else { throw FormatError(path: path, "cannot read file") }
        let bytes = [UInt8](data)
        let image = try PNG.decode(bytes, path: path)
        return Scan(path: path, label: label, row: try ImageRow(path: path, label: label, split: split, png: bytes, decoded: image),
                    plane: Plane(image).resized(width: size, height: size), truth: truth, kind: nil)
    }
}
