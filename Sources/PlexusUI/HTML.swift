import Foundation
import PlexusKit

/// A link's query string from name-value pairs, each percent-encoded; pairs without a value are left out.
func query(_ pairs: [(String, String?)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    let parts = pairs.compactMap { name, value in
        value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
    }
    return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
}

/// One cell of a table: its text (what CSV exports), and optionally a link or trusted markup shown instead.
struct Cell {
    var text: String
    var link: String?
    /// Markup built by this module from escaped parts (a thumbnail, a coloured matrix cell).
    var markup: String?
    var style: String?

    init(_ text: String, link: String? = nil, markup: String? = nil, style: String? = nil) {
        (self.text, self.link, self.markup, self.style) = (text, link, markup, style)
    }

    var html: String {
        let content = markup ?? text.xmlEscaped
        return link.map { "<a href=\"\($0.xmlEscaped)\">\(content)</a>" } ?? content
    }
}

/// A table shown on a page, exportable as CSV from the same page with `?csv=<id>`.
struct Table {
    let id: String
    let title: String
    var columns: [String]
    var rows: [[Cell]] = []
    /// Headers that link to a sorted view of the table (server-side sorting), by column index.
    var sortLinks: [Int: String] = [:]
    /// A line under the table, such as "rows 1-50 of 10,000" with paging links (trusted markup).
    var footer: String?
    /// Shown folded (a click opens it): long tables that would push the rest of the page far down.
    var folded = false

    init(id: String, title: String, columns: [String], rows: [[Cell]] = []) {
        (self.id, self.title, self.columns, self.rows) = (id, title, columns, rows)
    }

    func html(csvLink: String) -> String {
        var out = "<section class=\"table\" id=\"\(id.xmlEscaped)\"><h3>\(title.xmlEscaped)"
        out += " <a class=\"csv\" href=\"\(csvLink.xmlEscaped)\">CSV</a></h3>\n"
        if folded { out += "<details><summary>\(rows.count) rows</summary>" }
        out += "<table class=\"sortable\"><thead><tr>"
        for (index, column) in columns.enumerated() {
            let label = sortLinks[index].map { "<a href=\"\($0.xmlEscaped)\">\(column.xmlEscaped)</a>" } ?? column.xmlEscaped
            out += "<th>\(label)</th>"
        }
        out += "</tr></thead><tbody>\n"
        for row in rows {
            out += "<tr>" + row.map { cell in "<td\(cell.style.map { " style=\"\($0.xmlEscaped)\"" } ?? "")>\(cell.html)</td>" }.joined() + "</tr>\n"
        }
        if rows.isEmpty { out += "<tr><td colspan=\"\(columns.count)\" class=\"empty\">none</td></tr>\n" }
        return out + "</tbody></table>" + (folded ? "</details>" : "") + (footer.map { "<p class=\"footer\">\($0)</p>" } ?? "") + "</section>\n"
    }

    /// RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled.
    var csv: String {
        ([columns] + rows.map { $0.map(\.text) }).map { fields in
            fields.map { field in
                field.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}

/// What a page shows, in order: headings and text (trusted markup built from escaped parts), tables and charts.
enum Block {
    case markup(String)
    case table(Table)
}

/// A page as blocks; the server renders it as HTML, or one of its tables as CSV.
struct Page {
    var title: String
    var blocks: [Block] = []
    /// Reload every few seconds while something on it is still running.
    var refreshes = false

    init(title: String) { self.title = title }

    mutating func heading(_ text: String) { blocks.append(.markup("<h2>\(text.xmlEscaped)</h2>\n")) }
    mutating func markup(_ html: String) { blocks.append(.markup(html)) }
    mutating func table(_ table: Table) { blocks.append(.table(table)) }
    /// A line of plain text.
    mutating func paragraph(_ text: String) { blocks.append(.markup("<p>\(text.xmlEscaped)</p>\n")) }

    func table(id: String) -> Table? {
        for case .table(let table) in blocks where table.id == id { return table }
        return nil
    }

    /// The page with the navigation bar; `csvLink` gives the link that exports a table (by id) as CSV.
    func html(csvLink: (String) -> String) -> String {
        var body = ""
        for block in blocks {
            switch block {
            case .markup(let html): body += html
            case .table(let table): body += table.html(csvLink: csvLink(table.id))
            }
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(title.xmlEscaped) · Plexus</title>
            \(refreshes ? "<meta http-equiv=\"refresh\" content=\"5\">" : "")
            <link rel="stylesheet" href="/assets/plexus.css"><script src="/assets/plexus.js" defer></script></head>
            <body><nav><a href="/">Plexus runs</a></nav><main><h1>\(title.xmlEscaped)</h1>
            \(body)</main></body></html>

            """
    }
}

/// Numbers as a person reads them: 4 significant digits, whole numbers without decimals.
func formatted(_ value: Double?) -> String {
    guard let value else { return "" }
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(format: "%.4g", value)
}
