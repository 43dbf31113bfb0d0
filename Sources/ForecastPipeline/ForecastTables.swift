import Foundation
import PlexusStore

/// The forecast pipeline's own tables, next to the shared ones:
/// - `prices`: each data set's series as the file had them (NULL where a value was missing), one row per ticker and
///   date; the price the model used is `adj_close` or `close` (see the run's config, `price_field`);
/// - `forecasts`: every forecast of a run, for the network (by its name) and the baselines `naive`, `drift` and
///   `moving_average`; `origin` is the last date the forecaster saw, `date` the forecast day, `actual` NULL for
///   days beyond the data; `target` says what `actual` and `predicted` are: `price`, or `volatility` (the realised
///   variance of the `horizon` days after the origin, %² of log returns × 100, one row per origin, no interval) or
///   `quantile` (the `quantile` level's quantile of the `horizon`-day log return × 100 after the origin, one row per
///   level).
public enum ForecastTables {
    public static let migrations = [
        StoreMigration("forecast-v1", sql: """
            CREATE TABLE prices (
                dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
                ticker TEXT NOT NULL,
                date TEXT NOT NULL,
                open REAL, high REAL, low REAL, close REAL, adj_close REAL, volume REAL,
                PRIMARY KEY (dataset_id, ticker, date)
            );
            CREATE TABLE forecasts (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                ticker TEXT NOT NULL,
                origin TEXT NOT NULL,
                date TEXT NOT NULL,
                horizon INTEGER NOT NULL,
                model TEXT NOT NULL,
                actual REAL,
                predicted REAL NOT NULL,
                lower REAL NOT NULL,
                upper REAL NOT NULL,
                PRIMARY KEY (run_id, model, origin, horizon)
            );
            """),
        // Volatility and quantile forecasts have no interval: lower and upper become nullable; the key gains the
        // target and the quantile level (NULL but for quantile forecasts).
        StoreMigration("forecast-v2-target", sql: """
            CREATE TABLE forecasts_v2 (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                ticker TEXT NOT NULL,
                target TEXT NOT NULL DEFAULT 'price',
                quantile REAL,
                origin TEXT NOT NULL,
                date TEXT NOT NULL,
                horizon INTEGER NOT NULL,
                model TEXT NOT NULL,
                actual REAL,
                predicted REAL NOT NULL,
                lower REAL,
                upper REAL
            );
            INSERT INTO forecasts_v2 (run_id, ticker, target, origin, date, horizon, model, actual, predicted, lower, upper)
                SELECT run_id, ticker, 'price', origin, date, horizon, model, actual, predicted, lower, upper FROM forecasts;
            DROP TABLE forecasts;
            ALTER TABLE forecasts_v2 RENAME TO forecasts;
            CREATE UNIQUE INDEX forecasts_key ON forecasts (run_id, target, model, origin, horizon, ifnull(quantile, -1));
            """),
        // A `--global` run forecasts several tickers: the key gains the ticker (every earlier row still fits it).
        StoreMigration("forecast-v3-global", sql: """
            DROP INDEX forecasts_key;
            CREATE UNIQUE INDEX forecasts_key ON forecasts (run_id, ticker, target, model, origin, horizon, ifnull(quantile, -1));
            """),
    ]

    /// Opens the database with the shared tables and these.
    public static func open(path: String) throws -> Store {
        try Store(path: path, migrations: migrations)
    }

    /// Stores the file's series under `datasetID` unless an earlier run did (the same file content is the same data
    /// set), in one transaction: either every row is there or none.
    static func storePrices(_ file: PriceFile, datasetID: Int64, in store: Store) throws {
        try store.write { transaction in
            guard try transaction.value(Int.self, "SELECT count(*) FROM prices WHERE dataset_id = ?", [datasetID]) == 0 else { return }
            let columns = PriceField.allCases.map(\.rawValue)
            let statement = try transaction.prepare("""
                INSERT INTO prices (dataset_id, ticker, date, \(columns.joined(separator: ", ")))
                VALUES (?, ?, ?, \(columns.map { _ in "?" }.joined(separator: ", ")))
                """)
            for series in file.series {
                for row in series.dates.indices {
                    let values: SQLArguments = PriceField.allCases.map { series.fields[$0]?[row] }
                    try statement.execute([datasetID, series.ticker, series.dates[row].description] + values)
                }
            }
        }
    }

    /// Data set `datasetID` as it was read from its file: each ticker's stored columns (a column with no value for a
    /// ticker, as the file lacked it, is left out), `field` the modelled price, forward-filled, rows before its first
    /// value left out. `predict` reads a run's prices and extra inputs from it as from a CSV; `path` names it in errors.
    static func loadFile(datasetID: Int64, field: PriceField, path: String, in store: Store) throws -> PriceFile {
        let rows = try store.read { transaction in
            try transaction.rows("SELECT * FROM prices WHERE dataset_id = ? ORDER BY ticker, date", [datasetID])
        }
        let byTicker = Dictionary(grouping: rows.indices) { (rows[$0]["ticker"] as String?) ?? "" }
        let series = try byTicker.keys.sorted().map { ticker in
            let indices = byTicker[ticker] ?? []
            var dates: [PriceDate] = []
            for index in indices {
                let text: String = rows[index]["date"] ?? ""
                guard let date = PriceDate.parse(text) else { throw StoreError(path: store.path, "prices: unreadable date '\(text)'") }
                dates.append(date)
            }
            var fields: [PriceField: [Double?]] = [:]
            for column in PriceField.allCases {
                let values = indices.map { rows[$0][column.rawValue] as Double? }
                if values.contains(where: { $0 != nil }) { fields[column] = values }
            }
            let read = fields[field] ?? []
            let dropped = read.firstIndex { $0 != nil } ?? dates.count
            let prices = ExtraColumns.filled(Array(read.dropFirst(dropped)))
            return PriceSeries(ticker: ticker, dates: Array(dates.dropFirst(dropped)), prices: prices, fields: fields.mapValues { Array($0.dropFirst(dropped)) },
                               priceField: field, priceColumn: field.rawValue, filled: read.dropFirst(dropped).filter { $0 == nil }.count, droppedLeading: dropped)
        }
        return PriceFile(path: path, series: series.filter { $0.count > 0 }, rowCount: rows.count)
    }

    /// The test forecasts and the forecasts ahead (no actual yet), inside the run's final transaction.
    static func insertForecasts(runID: Int64, ticker: String, dates: [PriceDate], prices: [Double], points: [ForecastPoint],
                                ahead: [ForecastPoint], aheadDates: [PriceDate], _ transaction: StoreTransaction) throws {
        let insert = try transaction.prepare("""
            INSERT INTO forecasts (run_id, ticker, target, origin, date, horizon, model, actual, predicted, lower, upper)
            VALUES (?, ?, 'price', ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for point in points {
            let day = point.origin + point.horizon
            try insert.execute([runID, ticker, dates[point.origin].description, dates[day].description, point.horizon,
                                point.model, prices[day], point.predicted, point.lower, point.upper])
        }
        for point in ahead {
            try insert.execute([runID, ticker, dates[point.origin].description, aheadDates[point.horizon - 1].description,
                                point.horizon, point.model, nil, point.predicted, point.lower, point.upper])
        }
    }

    /// A volatility or quantile run's forecasts (`target` `volatility` or `quantile`): the test ones, dated origin +
    /// horizon, and the ones after the data, dated `aheadDate`, with no actual.
    static func insertHorizonForecasts(runID: Int64, ticker: String, target: String, dates: [PriceDate], horizon: Int, forecasts: [HorizonForecast],
                                       aheadDate: PriceDate, _ transaction: StoreTransaction) throws {
        let insert = try transaction.prepare("""
            INSERT INTO forecasts (run_id, ticker, target, quantile, origin, date, horizon, model, actual, predicted)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for forecast in forecasts {
            let date = forecast.actual == nil ? aheadDate : dates[forecast.origin + horizon]
            try insert.execute([runID, ticker, target, forecast.level, dates[forecast.origin].description, date.description, horizon,
                                forecast.model, forecast.actual, forecast.predicted])
        }
    }
}
