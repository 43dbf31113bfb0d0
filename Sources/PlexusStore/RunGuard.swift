import Dispatch
import Foundation

/// Write end of the pipe that `forwardSignal` writes to; a C signal handler cannot capture context.
nonisolated(unsafe) private var signalPipe: Int32 = -1

/// The process-wide SIGINT/SIGTERM handler. Only `write(2)` is safe in a signal handler, so it hands the signal
/// number to the pipe and `RunGuard` does the real work on a queue.
private func forwardSignal(_ signal: Int32) {
    var number = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipe, &number, 1)
}

/// Delivers SIGINT and SIGTERM to `handler` on a background queue until `restore()`.
///
/// A `DispatchSource` signal source alone is not enough on Linux: libdispatch reads signals through a `signalfd`
/// that only sees signals blocked in every thread, so an ignored SIGINT is dropped by the kernel before it gets there.
/// A real handler writing to a pipe (the self-pipe trick) catches the signal whichever thread it lands on.
final class RunGuard {
    private let source: DispatchSourceRead
    private let previousPipe: Int32
    private let previousHandlers: [(signal: Int32, handler: sighandler_t?)]

    init(handler: @escaping @Sendable (Int32) -> Void) throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw RunGuardError(message: "cannot create signal pipe: \(String(cString: strerror(errno)))")
        }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: DispatchQueue(label: "plexus.store.signals"))
        source.setEventHandler {
            var number: UInt8 = 0
            if read(readEnd, &number, 1) == 1 { handler(Int32(number)) }
        }
        source.setCancelHandler { close(readEnd); close(writeEnd) }
        source.resume()
        previousPipe = signalPipe
        signalPipe = writeEnd
        previousHandlers = [SIGINT, SIGTERM].map { ($0, signal($0, forwardSignal)) }
    }

    /// Puts back the handlers (normally the default ones) that were installed before.
    func restore() {
        for (signalNumber, handler) in previousHandlers { signal(signalNumber, handler) }
        signalPipe = previousPipe
        source.cancel()
    }

    struct RunGuardError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
