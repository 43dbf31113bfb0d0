import Foundation
import Hummingbird
import HummingbirdTesting
import PlexusFormats
import PlexusStore
import XCTest
@testable import PlexusUI

/// What a request got back.
struct Fetched {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// The UI's router over `database` (opened read-only), driven in-process by Hummingbird's test client.
func withSite(_ database: String, _ body: @escaping @Sendable (_ get: @escaping @Sendable (String) async throws -> Fetched) async throws -> Void) async throws {
    let app = Application(router: UIServer(store: try Store(readOnly: database)).router())
    try await app.test(.router) { client in
        try await body { uri in
            try await client.execute(uri: uri, method: .get) { response in
                Fetched(status: response.status, headers: response.headers, body: Data(buffer: response.body))
            }
        }
    }
}

/// The `href` and `src` values of a page, unescaped.
func links(in html: String) -> [String] {
    let pattern = try! NSRegularExpression(pattern: "(?:href|src)=\"([^\"]*)\"")
    return pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap { match in
        Range(match.range(at: 1), in: html).map {
            String(html[$0]).replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        }
    }
}

/// A query value as a browser's form sends it.
func encoded(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return value.addingPercentEncoding(withAllowedCharacters: allowed)!
}

/// The SHA-256 of a file's bytes.
func fileHash(_ path: String) throws -> String {
    try SHA256.hex([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
}
