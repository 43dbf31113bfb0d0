import Foundation
import Plexus
import PlexusCharts
import PlexusKit

/// The run's charts: actual against forecast prices with the interval band (over the test part, then the days
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
    func forecast(from: Int) -> Figure {
        let ahead = self.ahead.filter { $0.model == model }
        var chart = LineChart(xTitle: "date", yTitle: "price")
        let oneDay = points.filter { $0.model == model && $0.horizon == 1 && $0.origin + 1 >= from }.sorted { $0.origin < $1.origin }
        let percent = "\(Int((level * 100).rounded()))%"
        let (blue, orange) = (Color.blue, Color.orange)
        chart.bands.append(.init(name: "\(percent) interval", x: oneDay.map { Double($0.origin + 1) }, lower: oneDay.map(\.lower),
                                 upper: oneDay.map(\.upper), color: blue))
        chart.series.append(.init(name: "actual", points: (from..<prices.count).map { (Double($0), prices[$0]) }, color: Color(hex: 0x222222), width: 1.2))
        chart.series.append(.init(name: "\(model), 1 day ahead", points: oneDay.map { (Double($0.origin + 1), $0.predicted) }, color: blue, width: 1.2))
        let last = prices.count - 1
        let aheadX = [Double(last)] + ahead.map { Double(last + $0.horizon) }
        chart.bands.append(.init(name: nil, x: aheadX, lower: [prices[last]] + ahead.map(\.lower), upper: [prices[last]] + ahead.map(\.upper), color: orange))
        chart.series.append(.init(name: "\(model), next \(ahead.count) days", points: zip(aheadX, [prices[last]] + ahead.map(\.predicted)).map { ($0, $1) },
                                  color: orange, width: 2))
        if testStart >= from { chart.markers.append(.init(x: Double(testStart), color: Color(hex: 0x777777), label: "test part")) }
        let allDates = dates + aheadDates
        let span = allDates.count - from
        let step = max(1, Int(Axis.niceStep(Double(span) / 7)))
        chart.xTicks = stride(from: from, to: allDates.count, by: step).map { index in
            let text = allDates[index].description
            return (Double(index), span > 400 ? String(text.prefix(7)) : String(text.prefix(10)))
        }
        return Figure(title: "\(ticker): \(model) forecasts (1 day ahead at each test origin) and the next \(ahead.count) days", [chart])
    }

    /// Training and validation loss per epoch, with the epoch whose weights were kept.
    static func loss(_ history: History, model: String) -> Figure {
        var chart = LineChart(xTitle: "epoch", yTitle: "loss")
        chart.series.append(.init(name: "training", points: history.epochs.map { (Double($0.epoch), $0.trainLoss) }, color: .blue, width: 2))
        chart.series.append(.init(name: "validation", points: history.epochs.compactMap { report in report.validationLoss.map { (Double(report.epoch), $0) } },
                                  color: .red, width: 2))
        if history.epochs.count > 1 { chart.markers.append(.init(x: Double(history.bestEpoch), color: .green, label: "kept: epoch \(history.bestEpoch)")) }
        let epochs = history.epochs.count
        let step = max(1, Int(Axis.niceStep(Double(epochs) / 10)))
        chart.xTicks = stride(from: 1, through: epochs, by: step).map { (Double($0), String($0)) }
        return Figure(title: "\(model): loss per epoch (mean squared error on standardised values)", [chart])
    }
}
