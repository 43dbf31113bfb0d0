import Foundation
import Plexus
import PlexusFormats
import PlexusStore

/// An error whose description is a complete one-line message for the person at the terminal: the file, line or
/// field, and what was expected. The executables print these as they are, not as Swift type dumps.
public protocol UserFacingError: Error, CustomStringConvertible {}

extension FormatError: UserFacingError {}
extension StoreError: UserFacingError {}
extension TrainingError: UserFacingError {}

/// Runs an executable's command: a `UserFacingError` prints as `name: message` on stderr and exits 1; any other
/// error (ArgumentParser's usage errors, `--help`) goes to `otherwise`, ArgumentParser's own `exit(withError:)`.
///
/// ```swift
/// runCommand("anomaly", { var command = try AnomalyCommand.parseAsRoot(); try command.run() },
///            otherwise: { AnomalyCommand.exit(withError: $0) })
/// ```
public func runCommand(_ name: String, _ run: () throws -> Void, otherwise: (Error) -> Never) -> Never {
    do {
        try run()
        exit(0)
    } catch let error as UserFacingError {
        FileHandle.standardError.write(Data("\(name): \(error.description)\n".utf8))
        exit(1)
    } catch {
        otherwise(error)
    }
}
