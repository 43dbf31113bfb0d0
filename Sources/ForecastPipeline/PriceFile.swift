import Foundation
import PlexusFormats

/// The columns a price row may carry, as stored in the `prices` table.
public enum PriceField: String, CaseIterable, Sendable, Codable {
    case open, high, low, close, adjClose = "adj_close", volume

    /// Header spellings of each field, compared after `PriceFile.normalized` (lower case, no spaces, `_`, `.` or `-`).
    var spellings: Set<String> {
        switch self {
        case .open: return ["open"]
        case .high: return ["high"]
        case .low: return ["low"]
        case .close: return ["close", "closeprice", "closingprice"]
        case .adjClose: return ["adjclose", "adjustedclose", "adjclosingprice"]
        case .volume: return ["volume", "vol"]
        }
    }
}

/// How the columns of a price CSV are chosen; nil means "detect from the header".
public struct IngestOptions: Sendable, Equatable {
    /// The price to model; default: Adj Close, else Close (case-insensitive).
    public var priceColumn: String?
    public var dateColumn: String?
    /// A column naming the ticker of each row (long format); default: a column called Ticker, Symbol or Name.
    public var tickerColumn: String?
    /// Whether prices must be positive (log returns need them).
    public var requirePositive: Bool

    public init(priceColumn: String? = nil, dateColumn: String? = nil, tickerColumn: String? = nil, requirePositive: Bool = true) {
        self.priceColumn = priceColumn
        self.dateColumn = dateColumn
        self.tickerColumn = tickerColumn
        self.requirePositive = requirePositive
    }
}

/// One ticker's daily series, sorted by date, with its missing prices forward-filled.
public struct PriceSeries: Sendable {
    public let ticker: String
    public let dates: [PriceDate]
    /// The modelled price, forward-filled: every value is a number.
    public let prices: [Double]
    /// The columns as the file had them (nil where a value was missing), for the `prices` table.
    public let fields: [PriceField: [Double?]]
    /// The `prices` column that holds the modelled price.
    public let priceField: PriceField
    /// The header of the modelled column, as written in the file.
    public let priceColumn: String
    /// Missing prices that took the previous row's value.
    public let filled: Int
    /// Rows at the start with no price yet (nothing to fill from): left out.
    public let droppedLeading: Int

    public var count: Int { prices.count }
}

/// A price CSV read and checked: one series per ticker.
///
/// Three layouts are recognised from the header:
/// - single: a date column and OHLCV-style columns (`Date,Open,High,Low,Close,Adj Close,Volume` as exported by
///   Yahoo Finance); the series is named after the file;
/// - long: the same plus a ticker column (`Ticker`, `Symbol`, `Name`, or `--ticker-column`), one series per ticker,
///   in alphabetical order;
/// - wide: a date column and one price column per ticker (`Date,SP500,NASDAQ`), detected when there is neither a
///   ticker column nor a Close / Adj Close column; the values are stored as `close`.
///
/// Missing values (empty, `null`, `NaN`, `NA`, and FRED's `.`) are counted and forward-filled; rows may come in any
/// order. Every problem is one `FormatError` naming the file, the line and the column.
public struct PriceFile: Sendable {
    public enum Layout: Sendable, Equatable {
        case single, long(tickerColumn: String), wide(columns: [String])
    }

    public let path: String
    public let layout: Layout
    public let series: [PriceSeries]
    /// The SHA-256 of the file's bytes: the same file is the same `datasets` row.
    public let sha256: String
    /// Data rows in the file.
    public let rowCount: Int

    /// A data set's series read back from the database (`ForecastTables.loadFile`), as a long file of them.
    init(path: String, series: [PriceSeries], rowCount: Int) {
        (self.path, self.series, self.rowCount) = (path, series, rowCount)
        (layout, sha256) = (.long(tickerColumn: "ticker"), "")
    }

    static let dateSpellings: [String] = ["date", "datetime", "timestamp", "time", "day"]
    static let tickerSpellings: [String] = ["ticker", "symbol", "name"]
    /// FRED writes `.` for a missing value; the shared CSV reader knows the others.
    static let extraMissingMarkers: Set<String> = ["."]

    /// Lower case without spaces, `_`, `.` or `-`, so "Adj Close", "adj_close" and "AdjClose" compare equal.
    static func normalized(_ name: String) -> String {
        String(name.lowercased().filter { !" _.-".contains($0) })
    }

    public static func load(path: String, options: IngestOptions = IngestOptions()) throws -> PriceFile {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FormatError(path: path, FileManager.default.fileExists(atPath: path) ? "cannot read file" : "file not found")
        }
        return try decode([UInt8](bytes), path: path, options: options)
    }

    /// Reads a price file's bytes; `path` names the file in errors and the single layout's series.
    public static func decode(_ bytes: [UInt8], path: String, options: IngestOptions = IngestOptions()) throws -> PriceFile {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FormatError(path: path, "not UTF-8 text") }
        return try PriceFile(table: CSV.parse(text, path: path), options: options, sha256: SHA256.hex(bytes))
    }

    init(table: CSVTable, options: IngestOptions, sha256: String) throws {
        path = table.path
        self.sha256 = sha256
        rowCount = table.rows.count
        let header = table.header.map(Self.normalized)
        func find(_ spellings: [String]) -> Int? { spellings.lazy.compactMap { header.firstIndex(of: $0) }.first }
        func field(_ field: PriceField) -> Int? { header.firstIndex { field.spellings.contains($0) } }
        func columnList() -> String { table.header.map { "'\($0)'" }.joined(separator: ", ") }

        let dateIndex: Int
        if let name = options.dateColumn { dateIndex = try table.requireColumn(name) } else {
            guard let found = find(Self.dateSpellings) else {
                throw FormatError(path: path, line: table.headerLine, "no date column (columns: \(columnList())); name it with --date-column")
            }
            dateIndex = found
        }
        var tickerIndex: Int?
        if let name = options.tickerColumn { tickerIndex = try table.requireColumn(name) } else { tickerIndex = find(Self.tickerSpellings) }

        var priceIndex: Int?
        if let name = options.priceColumn { priceIndex = try table.requireColumn(name) } else { priceIndex = field(.adjClose) ?? field(.close) }

        let baseName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let reader = Reader(table: table, dateIndex: dateIndex, requirePositive: options.requirePositive)
        if let priceIndex {
            // Single or long layout: the OHLCV columns are kept for the `prices` table.
            var fieldIndices: [PriceField: Int] = [:]
            for candidate in PriceField.allCases { fieldIndices[candidate] = field(candidate) }
            // A price column with none of the OHLCV names (`--column Last`) is stored as `close`.
            let priceField = PriceField.allCases.first { fieldIndices[$0] == priceIndex } ?? .close
            fieldIndices[priceField] = priceIndex
            var groups: [(ticker: String, rows: [Int])] = []
            if let tickerIndex {
                layout = .long(tickerColumn: table.header[tickerIndex])
                var position: [String: Int] = [:]
                for row in table.rows.indices {
                    let ticker = table.rows[row][tickerIndex].trimmingCharacters(in: .whitespaces)
                    guard !ticker.isEmpty else {
                        throw FormatError(path: path, line: table.lineNumbers[row], "column '\(table.header[tickerIndex])': empty ticker")
                    }
                    if let index = position[ticker] { groups[index].rows.append(row) } else {
                        position[ticker] = groups.count
                        groups.append((ticker, [row]))
                    }
                }
                groups.sort { $0.ticker < $1.ticker }
            } else {
                layout = .single
                // A standard price column names the file's series; a column like DCOILWTICO names itself.
                let isStandard = PriceField.allCases.contains { $0.spellings.contains(header[priceIndex]) }
                groups = [(isStandard ? baseName : table.header[priceIndex], Array(table.rows.indices))]
            }
            series = try groups.map { try reader.series(ticker: $0.ticker, rows: $0.rows, priceIndex: priceIndex, priceField: priceField, fields: fieldIndices) }
        } else {
            guard tickerIndex == nil else {
                throw FormatError(path: path, line: table.headerLine,
                                  "no price column: expected 'Adj Close' or 'Close' (columns: \(columnList())); choose one with --column")
            }
            let columns = table.header.indices.filter { $0 != dateIndex }
            guard !columns.isEmpty else {
                throw FormatError(path: path, line: table.headerLine, "no price column besides the date column '\(table.header[dateIndex])'")
            }
            layout = .wide(columns: columns.map { table.header[$0] })
            series = try columns.map { column in
                try reader.series(ticker: table.header[column], rows: Array(table.rows.indices), priceIndex: column, priceField: .close,
                                  fields: [.close: column])
            }
        }
    }

    /// "long format (ticker column 'Symbol'), 2 tickers: AAA, BBB", for the narration.
    public var layoutDescription: String {
        let tickers = "\(series.count) ticker\(series.count == 1 ? "" : "s"): " + series.map(\.ticker).joined(separator: ", ")
        switch layout {
        case .single: return "one series"
        case .long(let column): return "long format (ticker column '\(column)'), \(tickers)"
        case .wide: return "wide format (a column per ticker), \(tickers)"
        }
    }

    /// The series of `ticker`, ignoring case when nothing matches exactly.
    func series(matching ticker: String) -> PriceSeries? {
        series.first { $0.ticker == ticker } ?? series.first { $0.ticker.lowercased() == ticker.lowercased() }
    }

    /// The series of `ticker` (ignoring case when nothing matches exactly), or an error listing the tickers there are.
    public func series(named ticker: String) throws -> PriceSeries {
        guard let found = series(matching: ticker) else {
            throw FormatError(path: path, "no ticker '\(ticker)' (tickers: \(series.map { "'\($0.ticker)'" }.joined(separator: ", ")))")
        }
        return found
    }
}

/// Turns one group of rows into a sorted, forward-filled series.
private struct Reader {
    let table: CSVTable
    let dateIndex: Int
    let requirePositive: Bool

    var path: String { table.path }

    func value(row: Int, column: Int) throws -> Double? {
        let text = table.rows[row][column].trimmingCharacters(in: .whitespaces)
        if PriceFile.extraMissingMarkers.contains(text) { return nil }
        return try table.double(row: row, column: column)
    }

    func series(ticker: String, rows: [Int], priceIndex: Int, priceField: PriceField, fields: [PriceField: Int]) throws -> PriceSeries {
        let dateColumn = table.header[dateIndex]
        var dated: [(date: PriceDate, row: Int)] = []
        dated.reserveCapacity(rows.count)
        for row in rows {
            let text = table.rows[row][dateIndex]
            guard let date = PriceDate.parse(text) else {
                throw FormatError(path: path, line: table.lineNumbers[row],
                                  "column '\(dateColumn)': expected a date as YYYY-MM-DD or M/D/YYYY (optionally with a time), found \"\(text)\"")
            }
            dated.append((date, row))
        }
        dated.sort { ($0.date, table.lineNumbers[$0.row]) < ($1.date, table.lineNumbers[$1.row]) }
        for (previous, next) in zip(dated, dated.dropFirst()) where previous.date == next.date {
            let owner = rows.count == table.rows.count ? "" : " for ticker '\(ticker)'"
            throw FormatError(path: path, line: table.lineNumbers[next.row],
                              "column '\(dateColumn)': duplicate date \(next.date)\(owner) (first on line \(table.lineNumbers[previous.row]))")
        }

        var raw: [PriceField: [Double?]] = [:]
        for (field, column) in fields { raw[field] = try dated.map { try value(row: $0.row, column: column) } }
        let readPrices = raw[priceField]!
        let dropped = readPrices.firstIndex { $0 != nil } ?? readPrices.count
        guard dropped < readPrices.count else {
            throw FormatError(path: path, "column '\(table.header[priceIndex])': no price at all for '\(ticker)'")
        }
        var prices: [Double] = []
        prices.reserveCapacity(readPrices.count - dropped)
        var filled = 0
        for (offset, price) in readPrices.enumerated().dropFirst(dropped) {
            if let price {
                if requirePositive && price <= 0 {
                    throw FormatError(path: path, line: table.lineNumbers[dated[offset].row],
                                      "column '\(table.header[priceIndex])': price \(price) on \(dated[offset].date) is not positive; log returns need positive prices (use --target price to model scaled prices)")
                }
                prices.append(price)
            } else {
                prices.append(prices.last!)
                filled += 1
            }
        }
        return PriceSeries(ticker: ticker, dates: dated.dropFirst(dropped).map(\.date),
                           prices: prices, fields: raw.mapValues { Array($0.dropFirst(dropped)) }, priceField: priceField,
                           priceColumn: table.header[priceIndex], filled: filled, droppedLeading: dropped)
    }
}
