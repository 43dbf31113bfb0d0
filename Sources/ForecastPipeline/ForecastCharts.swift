import Foundation
import Plexus
import PlexusKit

/// The run's plots: actual against forecast prices with the interval band (over the test part, then the days
/// ahead), and the training and validation loss per epoch.
struct ForecastCharts {
    let ticker: String
    let model: String
    let dates: [PriceDate]
    let prices: [Double]
    let testStart: Int
    let points: [ForecastPoint]
    let ahead: [ForecastPoint]
    let aheadDates: [PriceDate]
    let level: Double

    /// Prices from day `from` to the end of the series, the network's one-day-ahead forecasts at every test origin
    /// with their interval, and its forecast of the days after the data with the interval band.
    func forecast(from: Int) -> String {
        let ahead = self.ahead.filter { $0.model == model }
        var chart = SVGChart(title: "\(ticker): \(model) forecasts (1 day ahead at each test origin) and the next \(ahead.count) days",
                             yLabel: "price")
        let oneDay = points.filter { $0.model == model && $0.horizon == 1 && $0.origin + 1 >= from }.sorted { $0.origin < $1.origin }
        let percent = "\(Int((level * 100).rounded()))%"
        chart.band(x: oneDay.map { Double($0.origin + 1) }, lower: oneDay.map(\.lower), upper: oneDay.map(\.upper), color: "#1f77b4",
                   label: "\(percent) interval")
        chart.line((from..<prices.count).map { (Double($0), prices[$0]) }, color: "#222222", width: 1.2, label: "actual")
        chart.line(oneDay.map { (Double($0.origin + 1), $0.predicted) }, color: "#1f77b4", width: 1.2, label: "\(model), 1 day ahead")
        let last = prices.count - 1
        let aheadX = [Double(last)] + ahead.map { Double(last + $0.horizon) }
        chart.band(x: aheadX, lower: [prices[last]] + ahead.map(\.lower), upper: [prices[last]] + ahead.map(\.upper), color: "#ff7f0e")
        chart.line(zip(aheadX, [prices[last]] + ahead.map(\.predicted)).map { ($0, $1) }, color: "#ff7f0e", width: 2,
                   label: "\(model), next \(ahead.count) days")
        if testStart >= from { chart.marker(at: Double(testStart), color: "#777777", label: "test part") }
        let allDates = dates + aheadDates
        let span = allDates.count - from
        let step = max(1, Int(SVGAxis.niceStep(Double(span) / 7)))
        chart.xTicks = stride(from: from, to: allDates.count, by: step).map { index in
            let text = allDates[index].description
            return (Double(index), span > 400 ? String(text.prefix(7)) : String(text.prefix(10)))
        }
        return chart.render()
    }

    /// Training and validation loss per epoch, with the epoch whose weights were kept.
    static func loss(_ history: History, model: String) -> String {
        var chart = SVGChart(title: "\(model): loss per epoch (mean squared error on standardised values)", yLabel: "loss")
        chart.line(history.epochs.map { (Double($0.epoch), $0.trainLoss) }, color: "#1f77b4", width: 2, label: "training")
        chart.line(history.epochs.compactMap { report in report.validationLoss.map { (Double(report.epoch), $0) } },
                   color: "#d62728", width: 2, label: "validation")
        if history.epochs.count > 1 { chart.marker(at: Double(history.bestEpoch), color: "#2ca02c", label: "kept: epoch \(history.bestEpoch)") }
        let epochs = history.epochs.count
        let step = max(1, Int(SVGAxis.niceStep(Double(epochs) / 10)))
        chart.xTicks = stride(from: 1, through: epochs, by: step).map { (Double($0), String($0)) }
        return chart.render()
    }
}
