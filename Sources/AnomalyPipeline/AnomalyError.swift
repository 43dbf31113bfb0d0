import PlexusKit

/// A problem with how `anomaly` was called or with its inputs that is not a file-format error: one line saying
/// what was expected.
public struct AnomalyError: UserFacingError, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
