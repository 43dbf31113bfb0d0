import Foundation
import PlexusFormats

/// What a run forecasts and from which inputs: the command line's `--target`, `--quantiles` and `--inputs` when
/// given, else the pipeline file's `target:`, `quantiles:` and `inputs:` (as `--window` overrides the file's steps).
extension ForecastOptions {
    static let targetNames = ["returns", "price", "volatility", "quantiles"]

    /// Sets `target`, `volatilityProxy` and `quantiles` from `targetName`, else from the file's `target:`; with
    /// neither, they stay as set. Unknown values are one line naming the flag, or the file, line and key.
    mutating func resolveTarget(_ pipeline: PipelineSpec) throws {
        let fromFile = targetName == nil
        guard let name = targetName ?? pipeline.target else { return }
        switch name {
        case "returns", "price":
            target = ForecastTarget(rawValue: name)!
            (volatilityProxy, quantiles) = (nil, nil)
        case "volatility":
            (volatilityProxy, quantiles) = (volatilityProxy ?? "auto", nil)
        case "quantiles":
            if quantiles == nil, let levels = pipeline.quantiles {
                do { quantiles = try QuantileLevels(parsing: levels.map { "\($0)" }.joined(separator: ",")) } catch {
                    throw FormatError(path: pipeline.file, line: pipeline.lines["quantiles"], "quantiles: \(error)".replacingOccurrences(of: "--quantiles: ", with: ""))
                }
            }
            (volatilityProxy, quantiles) = (nil, quantiles ?? .standard)
        default:
            guard fromFile else { throw ForecastError("--target must be returns, price, volatility or quantiles, found '\(name)'") }
            throw FormatError(path: pipeline.file, line: pipeline.lines["target"],
                              "target: expected one of \(Self.targetNames.joined(separator: ", ")), found '\(name)'")
        }
    }
}

extension ForecastPipeline {
    /// Each forecast ticker's extra input columns, from `--inputs` or else the pipeline file's `inputs:`.
    static func extraInputs(_ options: ForecastOptions, network: NetworkDefinition, file: PriceFile, forecast: [String]) throws -> [String: ExtraColumns] {
        let pipeline = network.pipeline
        let names = options.inputs ?? pipeline.inputs ?? []
        let inputs = try ExtraInput.parse(names, file: file, forecast: forecast) { problem in
            options.inputs == nil ? FormatError(path: pipeline.file, line: pipeline.lines["inputs"], "inputs: \(problem)") as Error
                : ForecastError("--inputs: \(problem)")
        }
        var columns: [String: ExtraColumns] = [:]
        for ticker in forecast { columns[ticker] = try ExtraColumns(inputs, series: try file.series(named: ticker), file: file) }
        return columns
    }

    /// ", with high, low, volume" for the narration; empty without extra inputs.
    static func inputsNote(_ extra: ExtraColumns) -> String {
        extra.names.isEmpty ? "" : " and \(extra.names.count) extra input\(extra.names.count == 1 ? "" : "s") (\(extra.names.joined(separator: ", ")))"
    }
}
