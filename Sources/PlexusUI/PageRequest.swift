import Foundation
import PlexusKit

/// What a page builder reads of an HTTP request: its path and its query parameters (a name may repeat, as `run`
/// does on the compare page). Pages are built from this alone, so they are tested without a server.
struct PageRequest {
    var path: String
    var parameters: [(name: String, value: String)]

    init(path: String, parameters: [(name: String, value: String)] = []) {
        (self.path, self.parameters) = (path, parameters)
    }

    /// The first value of `name`, nil when absent or empty.
    func value(_ name: String) -> String? {
        parameters.first { $0.name == name && !$0.value.isEmpty }?.value
    }

    func values(_ name: String) -> [String] { parameters.filter { $0.name == name }.map(\.value) }

    /// A whole number parameter; a value that is not one is refused with a line naming it.
    func integer(_ name: String) throws -> Int64? {
        guard let text = value(name) else { return nil }
        guard let number = Int64(text) else { throw BrowseError("\(name): expected a whole number, found '\(text)'") }
        return number
    }

    /// The same page with `changes` applied to its query (a nil value removes the parameter).
    func link(_ changes: [(String, String?)]) -> String {
        let names = Set(changes.map(\.0))
        let kept = parameters.filter { !names.contains($0.name) && $0.name != "csv" }.map { ($0.name, Optional($0.value)) }
        return path + query(kept + changes)
    }

    /// Whether the request asks for all rows of one table as CSV instead of a page of them.
    var wantsCSV: Bool { value("csv") != nil }

    /// The rows of a paged table to show: all of them for CSV export, else one page.
    func paging(pageSize: Int = 50, name: String = "page") throws -> (limit: Int?, offset: Int) {
        if wantsCSV { return (nil, 0) }
        let page = max(1, Int(try integer(name) ?? 1))
        return (pageSize, (page - 1) * pageSize)
    }

    /// "rows 51-100 of 1,000" with links to the previous and next pages.
    func pagingFooter(total: Int, shown: Int, pageSize: Int = 50, name: String = "page") -> String {
        let page = max(1, Int((try? integer(name)) ?? 1))
        let first = (page - 1) * pageSize
        var parts = ["rows \(shown == 0 ? 0 : first + 1)–\(first + shown) of \(total)"]
        if page > 1 { parts.append("<a href=\"\(link([(name, String(page - 1))]).xmlEscaped)\">previous</a>") }
        if first + shown < total { parts.append("<a href=\"\(link([(name, String(page + 1))]).xmlEscaped)\">next</a>") }
        return parts.joined(separator: " · ")
    }
}

/// A run, artifact or image that is not in the database: answered 404.
struct NotFound: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
