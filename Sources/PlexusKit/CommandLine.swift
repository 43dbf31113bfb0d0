import ArgumentParser
import Foundation
import Plexus
import PlexusDistributed
import PlexusFormats
import PlexusStore

/// An error whose description is a complete one-line message for the person at the terminal: the file, line or
/// field, and what was expected. The executables print these as they are, not as Swift type dumps.
public protocol UserFacingError: Error, CustomStringConvertible {}

extension FormatError: UserFacingError {}
extension StoreError: UserFacingError {}
extension TrainingError: UserFacingError {}
extension CommunicatorError: UserFacingError {}

/// Runs an executable's command and exits. Whatever stops it prints as one line on stderr, `name: message`, with
/// exit status 1: a `UserFacingError` as it is, ArgumentParser's usage errors (an unknown option, a value that is
/// not a number, a failed `validate()`) as their message without the usage screen, so a script or a test can rely
/// on one line, and any other error as its description. `--help` prints the help on stdout and exits 0, as ArgumentParser does.
/// Under `mpirun` every process of the job runs it (see `DistributedJob`); a process that fails ends the whole job, so
/// that no other waits forever for it.
///
/// ```swift
/// runCommand(AnomalyCommand.self)
/// ```
public func runCommand<Command: ParsableCommand>(_: Command.Type) -> Never {
    let name = Command.configuration.commandName ?? "\(Command.self)"
    // Past a file-size limit (`ulimit -f`) a write then fails with EFBIG, which the store and the file writers report
    // as one line naming the file, instead of SIGXFSZ killing the process in the middle of it.
    signal(SIGXFSZ, SIG_IGN)
    do {
        try DistributedJob.start()
        var command = try Command.parseAsRoot()
        try command.run()
        DistributedJob.finish()
        exit(0)
    } catch let error as UserFacingError {
        fail(name, error.description)
    } catch {
        let message = Command.message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        let code = Command.exitCode(for: error)
        guard code != .success, !message.isEmpty else {
            DistributedJob.finish()
            Command.exit(withError: error)
        }
        fail(name, code == .validationFailure ? message + " (see \(name) --help)" : message)
    }
}

private func fail(_ name: String, _ message: String) -> Never {
    let world = DistributedJob.world
    let rank = world.isDistributed ? " (rank \(world.rank) of \(world.size))" : ""
    FileHandle.standardError.write(Data("\(name)\(rank): \(message)\n".utf8))
    DistributedJob.abort(code: 1)
}
