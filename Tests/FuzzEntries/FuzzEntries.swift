import ClusterPipeline
import ForecastPipeline
import PlexusFormats
import PlexusKit

/// The readers as the fuzz targets (FuzzTesting/) and the regression replay test (Tests/FuzzReplayTests) call them:
/// one function per target, taking any bytes. A reader may refuse the bytes with an error (that is its job); what
/// must never happen is a crash, a hang or unbounded memory, which libFuzzer or the sanitizers then report.
public enum FuzzEntries {
    /// The targets by name, as `make fuzz TARGET=NAME` and the corpus folders spell them.
    public static let targets: [String: ([UInt8]) -> Void] = [
        "png": png, "csv": csv, "prices": prices, "events": events, "nifti": nifti,
        "safetensors": safetensors, "pipeline": pipeline, "modelcard": modelCard,
    ]

    static let path = "fuzz-input"

    /// PNG decoding through libpng, then the conversions and the resize every image pipeline applies. The pixel
    /// limit is lowered to 256 x 256 so that each input stays fast; the default limit is tested on its own.
    public static func png(_ bytes: [UInt8]) {
        guard let image = try? PNG.decode(bytes, path: path, maximumPixels: 1 << 16) else { return }
        let side = 1 + Int(bytes.last ?? 0) % 48
        _ = image.converted(toChannels: 1).resized(width: side, height: side + 1)
        _ = image.converted(toChannels: 3).resized(width: side + 2, height: side)
        _ = try? PNG.encode(image.converted(toChannels: 3), bitDepth: 16, path: path)
    }

    /// The generic CSV reader, and every cell read as a number.
    public static func csv(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self), let table = try? CSV.parse(text, path: path) else { return }
        for row in table.rows.indices {
            for column in table.header.indices { _ = try? table.double(row: row, column: column) }
        }
    }

    /// The price-file reader: layout detection, dates, missing values, forward fill.
    public static func prices(_ bytes: [UInt8]) {
        _ = try? PriceFile.decode(bytes, path: path)
        _ = try? PriceFile.decode(bytes, path: path, options: IngestOptions(requirePositive: false))
    }

    /// The event-log reader: column guessing, timestamps, amounts, or a per-user table.
    public static func events(_ bytes: [UInt8]) {
        _ = try? UserInput.decode(bytes, path: path, columns: ColumnOptions())
    }

    /// NIfTI-1 through nifticlib, gzip-compressed or not (zlib).
    public static func nifti(_ bytes: [UInt8]) {
        _ = try? NIfTI.decode(file: bytes, path: path)
    }

    public static func safetensors(_ bytes: [UInt8]) {
        _ = try? Safetensors.decode(bytes, path: path)
    }

    /// A pipeline file (YAML through Yams), and the model built from it.
    public static func pipeline(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self),
              let spec = try? PipelineSpec.parse(yaml: text, file: path) else { return }
        _ = try? ModelBuilder.build(spec, seed: 1)
    }

    /// A stored model card (JSON), and the model rebuilt from its architecture as `TrainedModel.load` does.
    public static func modelCard(_ bytes: [UInt8]) {
        guard let card = try? ModelCard.decode(String(decoding: bytes, as: UTF8.self), source: path) else { return }
        _ = try? ModelBuilder.build(card.architecture, file: path, seed: 1)
    }
}
