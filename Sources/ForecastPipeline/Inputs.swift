import Foundation
import Plexus
import PlexusFormats

/// An input a forecast network sees besides its target's own series, named by `--inputs` or the pipeline file's
/// `inputs:`. Like Darts' past covariates and neuralforecast's `hist_exog_list`, each is one value per day known at
/// that day's close, so the window ending at an origin never reads a later day:
/// - `open`, `high`, `low`: log(Open / Close), log(High / Close), log(Low / Close) of the same day: where the day's
///   candle lies around its close (`high` − `low` is the log range);
/// - `volume`: the log volume change log((V_i + 1) / (V_{i-1} + 1));
/// - `calendar`: the day of the week and the month as sin/cos pairs (known in advance; the window's last day fixes
///   the calendar of the days forecast);
/// - another ticker of the same file: its daily log return, from its last price on or before each date of this series.
public enum ExtraInput: Equatable, Sendable, CustomStringConvertible {
    case candle(PriceField)
    case volume
    case calendar
    case ticker(String)

    static let keywords = ["open", "high", "low", "volume", "calendar"]

    public var description: String {
        switch self {
        case .candle(let field): return field.rawValue
        case .volume: return "volume"
        case .calendar: return "calendar"
        case .ticker(let name): return name
        }
    }

    /// Names as written in `--inputs` or `inputs:`: a keyword (in any case; it wins over a ticker of the same name), else
    /// a ticker of `file` other than the ones forecast.
    /// `source` says where the names came from in errors ("--inputs", or the pipeline file and its line).
    static func parse(_ names: [String], file: PriceFile, forecast: [String], source: (String) -> Error) throws -> [ExtraInput] {
        var inputs: [ExtraInput] = []
        for name in names.map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let input: ExtraInput
            switch name.lowercased() {
            case "open": input = .candle(.open)
            case "high": input = .candle(.high)
            case "low": input = .candle(.low)
            case "volume": input = .volume
            case "calendar": input = .calendar
            default:
                guard let other = file.series(matching: name) else {
                    let tickers = file.series.map(\.ticker).filter { !forecast.contains($0) }
                    throw source("'\(name)' is neither one of \(keywords.joined(separator: ", ")) nor a ticker of \(file.path)"
                                 + (tickers.isEmpty ? "" : " (other tickers: \(tickers.joined(separator: ", ")))"))
                }
                guard !forecast.contains(other.ticker) else {
                    throw source("'\(other.ticker)' is a series being forecast; choose the forecast one with --ticker")
                }
                input = .ticker(other.ticker)
            }
            guard !inputs.contains(input) else { throw source("'\(name)' is named twice") }
            inputs.append(input)
        }
        return inputs
    }
}

/// The extra inputs of one series as raw per-day columns aligned with its prices (value 0 of a change is 0, unused).
struct ExtraColumns {
    /// One name per column: `high`, `volume`, `weekday_sin`, …, a ticker.
    let names: [String]
    let columns: [[Double]]

    static let none = ExtraColumns(names: [], columns: [])

    /// The names for a run's config; nil (left out) without extra inputs, so such a config stays as it was.
    var recordedNames: [String]? { names.isEmpty ? nil : names }

    init(names: [String], columns: [[Double]]) {
        self.names = names
        self.columns = columns
    }

    /// Every problem (a column the file lacks) is one line naming the file and the column.
    init(_ inputs: [ExtraInput], series: PriceSeries, file: PriceFile) throws {
        var names: [String] = [], columns: [[Double]] = []
        for input in inputs {
            switch input {
            case .candle(let field):
                guard let values = series.fields[field] else {
                    throw FormatError(path: file.path, "no '\(field.rawValue)' column for input '\(input)' of '\(series.ticker)' (\(file.layoutDescription))")
                }
                let close = series.fields[.close].map(Self.filled) ?? series.prices
                let filled = Self.filled(values)
                names.append(field.rawValue)
                columns.append(zip(filled, close).map { $0 > 0 && $1 > 0 ? log($0 / $1) : 0 })
            case .volume:
                guard let values = series.fields[.volume] else {
                    throw FormatError(path: file.path, "no 'volume' column for input 'volume' of '\(series.ticker)' (\(file.layoutDescription))")
                }
                let volume = Self.filled(values).map { log(max($0, 0) + 1) }
                names.append("volume")
                columns.append([0] + zip(volume.dropFirst(), volume).map { $0 - $1 })
            case .calendar:
                names += ["weekday_sin", "weekday_cos", "month_sin", "month_cos"]
                let weekday = series.dates.map { 2 * Double.pi * Double($0.weekday) / 7 }
                let month = series.dates.map { 2 * Double.pi * Double(CivilCalendar.date(days: $0.day).month - 1) / 12 }
                columns += [weekday.map(sin), weekday.map(cos), month.map(sin), month.map(cos)]
            case .ticker(let name):
                let other = try file.series(named: name)
                let prices = Self.asOf(other, dates: series.dates)
                names.append(name)
                columns.append([0] + (1..<prices.count).map { day in
                    guard let today = prices[day], let before = prices[day - 1], today > 0, before > 0 else { return 0 }
                    return log(today / before)
                })
            }
        }
        self.init(names: names, columns: columns)
    }

    /// The columns a recorded network reads (`predict`), rebuilt from `series` and `file` by the names its card keeps:
    /// a keyword's column(s) (calendar's four names are one input), else another ticker's log returns.
    init(recorded scaling: InputScaling, series: PriceSeries, file: PriceFile) throws {
        let inputs: [ExtraInput] = scaling.names.compactMap { name in
            switch name {
            case "volume": return .volume
            case "weekday_sin": return .calendar
            case "weekday_cos", "month_sin", "month_cos": return nil
            case "open", "high", "low": return PriceField(rawValue: name).map(ExtraInput.candle)
            default: return .ticker(name)
            }
        }
        try self.init(inputs, series: series, file: file)
        guard names == scaling.names else {
            throw FormatError(path: file.path, "the network reads \(scaling.names.joined(separator: ", ")), but the inputs rebuilt from the file are \(names.joined(separator: ", "))")
        }
    }

    /// Missing values take the last value before them (0 before the first).
    static func filled(_ values: [Double?]) -> [Double] {
        var last = 0.0
        return values.map { value in
            if let value { last = value }
            return last
        }
    }

    /// `other`'s last price on or before each of `dates` (sorted); nil before its first.
    static func asOf(_ other: PriceSeries, dates: [PriceDate]) -> [Double?] {
        var next = 0
        return dates.map { date in
            while next < other.count && other.dates[next] <= date { next += 1 }
            return next > 0 ? other.prices[next - 1] : nil
        }
    }
}

/// Each extra column's mean and standard deviation over a training part (days 1 … end-1): the network sees
/// (x − mean) / std, like its target's own values.
struct InputScaling: Codable, Equatable {
    var names: [String]
    var means: [Double]
    var stds: [Double]

    init(fitting extra: ExtraColumns, end: Int) {
        names = extra.names
        (means, stds) = ([], [])
        for column in extra.columns {
            let values = column[1..<end]
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            means.append(mean)
            stds.append(variance > 0 ? variance.squareRoot() : 1)
        }
    }
}

/// What a network sees per day: its target's own standardised value first, then each extra input's.
struct NetworkInputs {
    let extra: ExtraColumns
    let scaling: InputScaling

    /// Scaled on days 1 … end-1 only.
    init(_ extra: ExtraColumns, fittingEnd end: Int) {
        self.extra = extra
        scaling = InputScaling(fitting: extra, end: end)
    }

    /// Scaled as recorded in a model card (`predict`).
    init(_ extra: ExtraColumns, scaling: InputScaling) {
        self.extra = extra
        self.scaling = scaling
    }

    /// The series' own value only.
    static let single = NetworkInputs(.none, fittingEnd: 2)

    var count: Int { 1 + extra.columns.count }

    /// The scaling for a model card; nil for a single-input network, whose card stays as it was.
    var recorded: InputScaling? { extra.names.isEmpty ? nil : scaling }

    func features(own: [Float]) -> [[Float]] {
        [own] + extra.columns.indices.map { index in
            let (mean, std) = (scaling.means[index], scaling.stds[index])
            return extra.columns[index].map { Float(($0 - mean) / std) }
        }
    }
}
