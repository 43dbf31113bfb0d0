import Foundation
import Hummingbird
import PlexusKit
import PlexusStore

/// `plexus ui`: a web server over one database, opened read-only. Pages are built from the database on each request;
/// pictures are served by their database id only, never by a path taken from the request.
public struct UIServer: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    /// Opens `path` read-only and serves it on `host`:`port` until interrupted (Ctrl-C stops it cleanly).
    public static func serve(database path: String, host: String, port: Int, log: @escaping @Sendable (String) -> Void) throws {
        let server = UIServer(store: try Store(readOnly: path))
        let app = Application(router: server.router(), configuration: .init(address: .hostname(host, port: port), serverName: "plexus"),
                              onServerRunning: { _ in log("Serving \(path) read-only at http://\(host):\(port)/ (Ctrl-C stops)") })
        let finished = DispatchSemaphore(value: 0)
        let failure = LockedError()
        Task {
            do { try await app.runService() } catch { failure.error = error }
            finished.signal()
        }
        finished.wait()
        if let error = failure.error { throw BrowseError("cannot serve on \(host):\(port): \(error)") }
    }

    /// Every route of the site.
    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { request, _ in page(request) { try RunsPage.build(store, $0) } }
        router.get("/run/:id") { request, context in
            page(request) { try RunPage.build(store, $0, runID: try Self.id(context)) }
        }
        router.get("/compare") { request, _ in page(request) { try ComparePage.build(store, $0) } }
        router.get("/artifact/:id") { _, context in
            blob { try Self.artifact(store, id: try Self.id(context)) }
        }
        router.get("/image/:id") { _, context in
            blob { try Self.png(store, table: "images", column: "png", id: try Self.id(context), what: "image") }
        }
        router.get("/heatmap/:id") { _, context in
            blob { try Self.png(store, table: "anomaly_scores", column: "heatmap", id: try Self.id(context), what: "heat map") }
        }
        router.get("/assets/plexus.css") { _, _ in Self.response(.ok, type: "text/css; charset=utf-8", Data(Assets.css.utf8)) }
        router.get("/assets/plexus.js") { _, _ in Self.response(.ok, type: "text/javascript; charset=utf-8", Data(Assets.javascript.utf8)) }
        return router
    }

    /// The page as HTML, or one of its tables as CSV when the query has `csv=<table id>`; a bad parameter is a 400
    /// and a missing run a 404, each with one line saying why.
    func page(_ request: Request, _ build: (PageRequest) throws -> Page) -> Response {
        let pageRequest = PageRequest(path: request.uri.path, parameters: Self.parameters(request.uri.query ?? ""))
        do {
            let page = try build(pageRequest)
            if let id = pageRequest.value("csv") {
                guard let table = page.table(id: id) else { throw NotFound("no table '\(id)' on this page") }
                return Self.response(.ok, type: "text/csv; charset=utf-8", Data(table.csv.utf8),
                                     extra: [.contentDisposition: "attachment; filename=\"\(Self.safeFileName(id)).csv\""])
            }
            return Self.response(.ok, type: "text/html; charset=utf-8", Data(page.html { pageRequest.link([("csv", $0)]) }.utf8))
        } catch {
            return errorPage(error)
        }
    }

    func blob(_ fetch: () throws -> (type: String, name: String?, bytes: Data)) -> Response {
        do {
            let (type, name, bytes) = try fetch()
            var extra: HTTPFields = [.contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:"]
            if !type.hasPrefix("image/") { extra[.contentDisposition] = "attachment; filename=\"\(Self.safeFileName(name ?? "artifact"))\"" }
            return Self.response(.ok, type: type, bytes, extra: extra)
        } catch {
            return errorPage(error)
        }
    }

    func errorPage(_ error: any Error) -> Response {
        let status: HTTPResponse.Status = error is NotFound ? .notFound : error is BrowseError ? .badRequest : .internalServerError
        var page = Page(title: status == .notFound ? "Not found" : status == .badRequest ? "Bad request" : "Error")
        page.paragraph("\(error)")
        return Self.response(status, type: "text/html; charset=utf-8", Data(page.html { _ in "" }.utf8))
    }

    static func artifact(_ store: Store, id: Int64) throws -> (type: String, name: String?, bytes: Data) {
        let row = try store.read { try $0.table("SELECT media_type, name, bytes FROM artifacts WHERE rowid = ?", [id]) }.rows.first
        guard let row, case .blob(let bytes) = row[2] else { throw NotFound("no artifact \(id) stored in the database") }
        let type = text(row[0])
        // A media type from the database is passed on only when it looks like one.
        let safe = !type.isEmpty && type.allSatisfy { $0.isLetter || $0.isNumber || "/+.-".contains($0) } ? type : "application/octet-stream"
        return (safe, text(row[1]), Data(bytes))
    }

    /// A PNG kept in a pipeline's table (a fixed name from the routes, not from the request), by row id.
    static func png(_ store: Store, table: String, column: String, id: Int64, what: String) throws -> (type: String, name: String?, bytes: Data) {
        guard try PipelineViews.hasTables(store, table),
              let bytes = try store.read({ try $0.value([UInt8].self, "SELECT \(column) FROM \(table) WHERE rowid = ?", [id]) }) else {
            throw NotFound("no \(what) \(id) in the database")
        }
        return ("image/png", nil, Data(bytes))
    }

    static func id(_ context: BasicRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text) else {
            throw BrowseError("expected a numeric id in the path, found '\(context.parameters.get("id") ?? "")'")
        }
        return id
    }

    /// The query string's name-value pairs, decoded as a browser's form encodes them (`+` for a space).
    static func parameters(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part) }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    static func safeFileName(_ name: String) -> String {
        String(name.split(separator: "/").last ?? "file").map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }.reduce(into: "") { $0.append($1) }
    }

    static func response(_ status: HTTPResponse.Status, type: String, _ body: Data, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: type, .init("X-Content-Type-Options")!: "nosniff"]
        if type.hasPrefix("text/html") {
            headers[.contentSecurityPolicy] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'"
        }
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The error the server task ended with, handed to the thread that waits for it.
final class LockedError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?
    var error: (any Error)? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
