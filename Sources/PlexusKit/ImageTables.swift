import Foundation
import PlexusFormats
import PlexusStore

/// The `images` table that the image pipelines (`classify`, `anomaly`) share: every image of a data set with its
/// label, split, size, content hash and the PNG bytes themselves, so a run can be reproduced from the database alone
/// and a query can show that no image (same `sha256`) sits in two splits.
///
/// `CREATE TABLE IF NOT EXISTS` because the migration is registered by each image pipeline under the same identifier;
/// whichever opens a database first creates the table.
public let imagesMigration = StoreMigration("v1-images", sql: """
    CREATE TABLE IF NOT EXISTS images(
        dataset_id INTEGER NOT NULL REFERENCES datasets(id),
        path TEXT NOT NULL,
        label TEXT,
        split TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        channels INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        png BLOB NOT NULL,
        PRIMARY KEY(dataset_id, path)
    )
    """)

/// Where a row's PNG bytes come from: memory, or the file itself, read when the row is stored (and checked against
/// the row's hash then), so registering a folder larger than memory never holds all of it at once.
public enum PNGBytes: Equatable, Sendable {
    case inline([UInt8])
    case file(String)

    /// The bytes; a file's must still hash to `sha256`.
    func load(sha256: String) throws -> [UInt8] {
        switch self {
        case .inline(let bytes): return bytes
        case .file(let path):
            let bytes = try ImageFileError.reread(path)
            guard try SHA256.hex(bytes) == sha256 else {
                throw ImageFileError(description: "\(path): the file changed while it was being read (its SHA-256 differs from the first read); run again")
            }
            return bytes
        }
    }
}

/// An image file that could be read once and not later: removed, unreadable or changed during a run.
public struct ImageFileError: UserFacingError {
    public let description: String
    public init(description: String) { self.description = description }

    /// The bytes of `path`, a file read once already when its folder was scanned; this error when it cannot be read now.
    public static func reread(_ path: String) throws -> [UInt8] {
        do {
            return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ImageFileError(description: "\(path): cannot read file (\(error.localizedDescription)); it was readable when the folder was scanned")
        }
    }
}

/// One row of `images`. `width`, `height` and `channels` are the file's own (before any resizing or colour
/// conversion a pipeline applies); `label` is nil for unlabelled images.
public struct ImageRow: Equatable, Sendable {
    public var path: String
    public var label: String?
    public var split: String
    public var width: Int
    public var height: Int
    public var channels: Int
    public var sha256: String
    public var png: PNGBytes

    public init(path: String, label: String?, split: String, width: Int, height: Int, channels: Int, sha256: String, png: PNGBytes) {
        self.path = path
        self.label = label
        self.split = split
        self.width = width
        self.height = height
        self.channels = channels
        self.sha256 = sha256
        self.png = png
    }

    /// A row for PNG `bytes` already decoded as `image`; the hash is computed here.
    public init(path: String, label: String?, split: String, png bytes: [UInt8], decoded image: PNGImage) throws {
        self.init(path: path, label: label, split: split, width: image.width, height: image.height, channels: image.channels,
                  sha256: try SHA256.hex(bytes), png: .inline(bytes))
    }

    /// A content hash of a whole data set: every row's path, label, split and image hash. The same files in the same
    /// splits give the same hash, so `registerImageDataset` finds the existing `datasets` row; moving one image to
    /// another split makes it a different data set.
    public static func fingerprint(_ rows: [ImageRow]) throws -> String {
        let lines = rows.map { "\($0.path)\t\($0.label ?? "")\t\($0.split)\t\($0.sha256)\n" }.sorted()
        return try SHA256.hex(Array(lines.joined().utf8))
    }
}

extension Store {
    /// Registers an image data set (kind `images`) and stores its rows. Registering the same rows again returns the
    /// existing id and writes nothing; both steps are idempotent, so a call that failed between them (the `datasets`
    /// row written, the images not) is completed by the next call with the same rows.
    public func registerImageDataset(name: String, source: String, rows: [ImageRow]) throws -> Int64 {
        let id = try registerDataset(name: name, kind: "images", source: source, sha256: ImageRow.fingerprint(rows), items: rows.count)
        try insertImages(datasetID: id, rows)
        return id
    }

    /// Inserts rows of data set `datasetID` in one transaction; rows already there (same data set and path) are
    /// kept as they are.
    public func insertImages(datasetID: Int64, _ rows: [ImageRow]) throws {
        try write { transaction in
            let stored = try transaction.value(Int.self, "SELECT count(*) FROM images WHERE dataset_id = ?", [datasetID]) ?? 0
            guard stored < rows.count else { return }
            let statement = try transaction.prepare("""
                INSERT OR IGNORE INTO images (dataset_id, path, label, split, width, height, channels, sha256, png)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in rows {
                try statement.execute([datasetID, row.path, row.label, row.split, row.width, row.height, row.channels, row.sha256,
                                       try row.png.load(sha256: row.sha256)])
            }
        }
    }

    /// The rows of data set `datasetID` (of one split when `split` is given), ordered by path.
    public func images(datasetID: Int64, split: String? = nil) throws -> [ImageRow] {
        try read { transaction in
            let rows = try transaction.rows("""
                SELECT path, label, split, width, height, channels, sha256, png FROM images
                WHERE dataset_id = ? AND (?2 IS NULL OR split = ?2) ORDER BY path
                """, [datasetID, split])
            return try rows.map { row in
                guard let path: String = row["path"], let split: String = row["split"], let width: Int = row["width"],
                      let height: Int = row["height"], let channels: Int = row["channels"], let sha256: String = row["sha256"],
                      let png: [UInt8] = row["png"] else {
                    throw StoreError(path: self.path, "images of dataset \(datasetID): a row has an empty column")
                }
                return ImageRow(path: path, label: row["label"], split: split, width: width, height: height, channels: channels,
                                sha256: sha256, png: .inline(png))
            }
        }
    }
}

/// One row of `images` without its PNG bytes: what a run keeps in memory of a stored data set it reads batch by
/// batch (`pngBytes` fetches the bytes of a batch when it is needed), so memory does not grow with the blobs.
public struct StoredImageEntry: Equatable, Sendable {
    /// SQLite's rowid of the row: `pngBytes` looks rows up by it through the table's own b-tree.
    public var rowID: Int64
    public var path: String
    public var label: String?
    public var split: String
    public var width: Int
    public var height: Int
    public var channels: Int
}

extension Store {
    /// The kind of data set `id` (`images`, `prices`, …), or nil when there is no such data set.
    public func datasetKind(id: Int64) throws -> String? {
        try read { try $0.value(String.self, "SELECT kind FROM datasets WHERE id = ?", [id]) }
    }

    /// The rows of data set `datasetID`, without their bytes, ordered by path. `png` is the table's last column,
    /// so SQLite reads none of the blobs' overflow pages for this.
    public func imageEntries(datasetID: Int64) throws -> [StoredImageEntry] {
        try read { transaction in
            try transaction.rows("""
                SELECT rowid, path, label, split, width, height, channels FROM images WHERE dataset_id = ? ORDER BY path
                """, [datasetID]).map { row in
                guard let rowID: Int64 = row["rowid"], let path: String = row["path"], let split: String = row["split"],
                      let width: Int = row["width"], let height: Int = row["height"], let channels: Int = row["channels"] else {
                    throw StoreError(path: self.path, "images of dataset \(datasetID): a row has an empty column")
                }
                return StoredImageEntry(rowID: rowID, path: path, label: row["label"], split: split, width: width, height: height,
                                        channels: channels)
            }
        }
    }

    /// The PNG bytes of `images` (rows of data set `datasetID`), in that order: one query per `chunk` rows (a batch
    /// is one), so a loader thread reading a batch asks SQLite once, not once per image. Safe from any thread: it
    /// is a pool read. A row that is gone, or whose bytes no longer hash to its `sha256`, is an error naming the
    /// data set and the path: the model must not silently train on other pixels than the ones recorded.
    public func pngBytes(datasetID: Int64, _ images: [(rowID: Int64, path: String)], chunk: Int = 500) throws -> [[UInt8]] {
        var bytes: [[UInt8]] = []
        bytes.reserveCapacity(images.count)
        for start in stride(from: 0, to: images.count, by: max(chunk, 1)) {
            let part = images[start ..< min(start + max(chunk, 1), images.count)]
            let placeholders = Array(repeating: "?", count: part.count).joined(separator: ", ")
            var arguments: SQLArguments = [datasetID]
            for image in part { arguments.append(image.rowID) }
            let found = try read { transaction in
                try transaction.rows("SELECT rowid, path, sha256, png FROM images WHERE dataset_id = ? AND rowid IN (\(placeholders))", arguments)
            }
            var byRow: [Int64: SQLRow] = [:]
            for row in found { if let rowID: Int64 = row["rowid"] { byRow[rowID] = row } }
            for image in part {
                guard let row = byRow[image.rowID], row["path"] == image.path else {
                    throw StoreError(path: path, "dataset \(datasetID): \(image.path): the image is no longer in the images table")
                }
                guard let png: [UInt8] = row["png"], let sha256: String = row["sha256"], try SHA256.hex(png) == sha256 else {
                    throw StoreError(path: path, "dataset \(datasetID): \(image.path): the stored PNG no longer matches its SHA-256 "
                                     + "(the row was changed after it was stored)")
                }
                bytes.append(png)
            }
        }
        return bytes
    }
}
