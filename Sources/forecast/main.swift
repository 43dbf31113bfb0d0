import ArgumentParser
import ForecastPipeline
import Foundation
import Plexus
import PlexusFormats
import PlexusKit
import PlexusStore

/// `forecast`: stock-price forecasting with a recurrent network, evaluated walk-forward against naive forecasts.
/// Argument parsing and printing only; the work happens in ForecastPipeline.
struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Forecast daily prices with a network from a pipeline file, next to naive, drift and moving-average forecasts.",
        subcommands: [RunCommand.self, PredictCommand.self],
        defaultSubcommand: RunCommand.self)
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train on a price CSV, evaluate walk-forward on its last part, forecast the days ahead; record the run.")

    @Argument(help: "Price CSV with a header (Yahoo Finance, Stooq, Kaggle or pandas exports; long or wide for several tickers).")
    var prices: String
    @Option(help: "Price column (default: Adj Close, else Close; case-insensitive).") var column: String?
    @Option(help: "Date column (default: Date, Datetime, Timestamp, Time or Day).") var dateColumn: String?
    @Option(help: "Ticker column of a long file (default: Ticker, Symbol or Name when present).") var tickerColumn: String?
    @Option(help: "Only this ticker of a file with several.") var ticker: String?
    @Option(help: "Days of history the network sees.") var window = 60
    @Option(help: "Days to forecast at each origin.") var horizon = 5
    @Option(help: "Network: \(ForecastOptions.models.joined(separator: ", ")) (the built-in copy of Pipelines/forecast[-MODEL].yml).") var model = "lstm"
    @Option(help: "Pipeline file (overrides --model); builtin:NAME names a built-in one.") var pipeline: String?
    @Option(help: "What the network predicts: returns (daily log returns, forecasting prices), price (scaled prices), volatility (the realised variance of the next --horizon days, against GARCH(1,1), EWMA and the historical mean) or quantiles (default: the pipeline file's target:, else returns).")
    var target: String?
    @Option(help: "With --target volatility, each day's variance: auto (the default: Parkinson's High-Low estimator when the file has High and Low, else squared returns), squared or parkinson; given with no target anywhere, it means --target volatility.")
    var volatilityProxy: String?
    @Option(help: "With --target quantiles, the levels of the h-day return's quantiles, increasing (default: the pipeline file's quantiles:, else 0.01,0.05,0.5,0.95,0.99); given with no target anywhere, it means --target quantiles.")
    var quantiles: String?
    @Option(help: "Extra inputs besides the series itself, comma-separated: open, high, low (log of each over the close), volume (log change), calendar (weekday and month), or another ticker of the file (its log returns); default: the pipeline file's inputs:, else none.")
    var inputs: String?
    @Flag(help: "Train one network on the windows of every ticker of the file (each scaled on its own training part) and evaluate it per ticker, instead of one network per ticker.")
    var global = false
    @Option(help: "Epochs (overrides the pipeline file).") var epochs: Int?
    @Option(help: "Share of the series, at its end, used for the walk-forward test.") var testFraction = 0.2
    @Option(help: "Retrain on all data up to the origin every N test origins (default: train once).") var retrainEvery: Int?
    @Option(help: "Nominal coverage of the prediction intervals.") var interval = 0.9
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?
    @Option(help: "Random seed: the same seed gives the same numbers.") var seed: UInt64 = 42
    @Option(help: "Directory for artifacts (default: runs/<run id>/).") var out: String?
    @Option(help: "Continue this interrupted run from its last checkpoint (give the same prices and options as when it started).")
    var resume: Int64?

    func run() throws {
        guard ForecastOptions.models.contains(model) else {
            throw ForecastError("--model must be one of \(ForecastOptions.models.joined(separator: ", ")), found '\(model)'")
        }
        var options = ForecastOptions(pricesPath: prices)
        options.targetName = target
        options.volatilityProxy = volatilityProxy
        options.quantiles = try quantiles.map(QuantileLevels.init(parsing:))
        options.inputs = inputs.map { $0.split(separator: ",").map(String.init) }
        options.global = global
        options.ingest = IngestOptions(priceColumn: column, dateColumn: dateColumn, tickerColumn: tickerColumn)
        options.ticker = ticker
        options.window = window
        options.horizon = horizon
        options.pipelinePath = pipeline ?? ForecastOptions.pipelinePath(model: model)
        options.epochs = epochs
        options.testFraction = testFraction
        options.retrainEvery = retrainEvery
        options.intervalLevel = interval
        options.seed = seed
        options.outputDirectory = out
        options.resume = resume
        options.log = { print($0); fflush(stdout) }
        let plan = try ForecastPipeline.plan(options)  // bad input stops here, before the database is touched
        let store = try ForecastTables.open(path: Store.resolvePath(explicit: db))
        let (volatility, quantile) = (plan.options.volatilityProxy != nil, plan.options.quantiles != nil)
        if volatility { return printVolatility(try ForecastPipeline.runVolatility(plan, store: store), store: store) }
        if quantile { return printQuantiles(try ForecastPipeline.runQuantiles(plan, store: store), store: store) }
        let reports = global ? try ForecastPipeline.runGlobal(plan, store: store) : try ForecastPipeline.run(plan, store: store)
        for report in reports {
            print("")
            print("\(report.ticker): test metrics over \(report.split.testOrigins.count) origins × \(options.horizon) days (prices; lower is better, except hit rate; coverage of the \(Int(interval * 100))% intervals):")
            print(report.metricsTable)
            print("")
            print(report.horizonTable)
            print("")
            print(report.verdict)
            print("")
            print("Forecast after \(report.series.dates.last!) (weekdays; holidays not known):")
            print(report.aheadTable)
            print("")
            let epochs = report.history.epochs.count
            print(String(format: "Run %lld recorded in %@: %d epochs (best %d), %.2f s per epoch, %.1f s in all%@.", report.runID, store.path, epochs,
                         report.history.bestEpoch, report.history.secondsPerEpoch, report.seconds, report.trainings > 1 ? ", \(report.trainings) trainings" : ""))
            print("Artifacts: " + report.artifacts.joined(separator: ", "))
        }
        if let last = reports.last {
            print("Try: sqlite3 \(store.path) \"select name, round(value, 4) from metrics where run_id = \(last.runID) and name like '%.mase'\"")
        }
    }
}

extension RunCommand {
    func printVolatility(_ reports: [VolatilityReport], store: Store) {
        for report in reports {
            print("")
            print("\(report.ticker): variance forecasts of the next \(report.horizon) days at \(report.testOrigins) test origins (target: \(report.proxy.rawValue), %² of log returns × 100; lower QLIKE and MSE are better):")
            print(report.metricsTable)
            print("")
            print(report.verdict)
            print("")
            print("Forecast of the \(report.horizon) days after the data:")
            print(report.aheadTable)
            print("")
            let epochs = report.history.epochs.count
            print(String(format: "Run %lld recorded in %@: %d epochs (best %d), %.1f s in all%@.", report.runID, store.path, epochs,
                         report.history.bestEpoch, report.seconds, report.trainings > 1 ? ", \(report.trainings) fits" : ""))
            print("Artifacts: " + report.artifacts.joined(separator: ", "))
        }
        if let last = reports.last {
            print("Try: sqlite3 \(store.path) \"select name, round(value, 4) from metrics where run_id = \(last.runID) and name like '%.qlike'\"")
        }
    }

    func printQuantiles(_ reports: [QuantileReport], store: Store) {
        for report in reports {
            print("")
            print("\(report.ticker): quantiles of the \(report.horizon)-day log return (%) at \(report.testOrigins) test origins; pinball loss (lower is better) and, per level:")
            print(report.table("coverage", title: "share below"))
            print("")
            print(report.table("kupiec_p_value", title: "Kupiec p"))
            print("")
            print(report.table("christoffersen_p_value", title: "Christoffersen p"))
            print("")
            print(report.valueAtRisk)
            print("")
            print(String(format: "Run %lld recorded in %@: %d epochs (best %d), %.1f s in all%@.", report.runID, store.path, report.history.epochs.count,
                         report.history.bestEpoch, report.seconds, report.trainings > 1 ? ", \(report.trainings) fits" : ""))
            print("Artifacts: " + report.artifacts.joined(separator: ", "))
        }
        if let last = reports.last {
            print("Try: sqlite3 \(store.path) \"select name, round(value, 4) from metrics where run_id = \(last.runID) and name like '%q0.05'\"")
        }
    }
}

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Forecast the days after the newest price with a recorded run's network.")

    @Option(name: .customLong("run"), help: "The run whose model to use.") var runID: Int64
    @Argument(help: "A newer CSV of the same series (default: the run's own data).") var prices: String?
    @Option(help: "SQLite database (default: $PLEXUS_DB, else ./plexus.db).") var db: String?

    func run() throws {
        let store = try ForecastTables.open(path: Store.resolvePath(explicit: db))
        for report in try ForecastPipeline.predict(store: store, runID: runID, pricesPath: prices) {
            print("Run \(report.runID)'s \(report.model) for '\(report.ticker)' (trained on prices up to \(report.trainedThrough)), from \(report.source):")
            print("\(report.rows) prices, the last \(String(format: "%.2f", report.originPrice)) on \(report.origin). Forecast (weekdays; holidays not known):")
            print(report.table)
        }
    }
}

/// Errors a user can act on print as one line on stderr with a non-zero exit, not as a stack of Swift types.
runCommand(ForecastCommand.self)
