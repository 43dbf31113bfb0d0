import CCrypto

/// SHA-256 through OpenSSL's libcrypto (Debian's libssl-dev), for the content hashes recorded in `datasets.sha256`
/// and per-file hashes that detect the same image in two splits. libcrypto rather than swift-crypto: the same
/// digests, but a clean debug build of swift-crypto's `Crypto` (BoringSSL compiled from source) took 183 s on the
/// project's 2-core machine against 9 s with this system library.
public enum SHA256 {
    /// The digest as 64 lowercase hex characters.
    public static func hex<Bytes: Collection>(_ message: Bytes) throws -> String where Bytes.Element == UInt8 {
        let bytes = Array(message)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        // EVP_Digest fails only when memory runs out; the digest would then be all zeros, never to be recorded.
        guard EVP_Digest(bytes, bytes.count, &digest, &length, EVP_sha256(), nil) == 1, length == 32 else {
            throw FormatError(path: "<memory>", "libcrypto could not compute a SHA-256 digest (out of memory?)")
        }
        return hexDigits(digest)
    }

    static func hexDigits(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    /// A digest computed piece by piece, for a file read in chunks: `update` with each, then `finish`.
    public final class Hasher {
        private let context: OpaquePointer?

        public init() {
            context = EVP_MD_CTX_new()
            if let context { EVP_DigestInit_ex(context, EVP_sha256(), nil) }
        }

        deinit { EVP_MD_CTX_free(context) }

        public func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }

        /// The digest of everything given to `update`, as 64 lowercase hex characters.
        public func finish() throws -> String {
            var digest = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            guard let context, EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else {
                throw FormatError(path: "<memory>", "libcrypto could not compute a SHA-256 digest (out of memory?)")
            }
            return hexDigits(digest)
        }
    }
}
