import Dispatch
import Foundation

extension Store {
    /// Runs `body` as a recorded run: inserts a `running` row, then marks it `completed` when `body` returns or
    /// `failed` (with the error's description) when it throws, and rethrows. While `body` runs, SIGINT and SIGTERM
    /// mark the run `interrupted` and exit with 130 / 143, so Ctrl-C never leaves a run that looks still running.
    public func withRun<T>(pipeline: String, datasetID: Int64?, config: String, seed: UInt64,
                           _ body: (Int64) throws -> T) throws -> T {
        let runID = try startRun(pipeline: pipeline, datasetID: datasetID, config: config, seed: seed)
        let result: T
        do {
            let signals = try RunGuard { [self] signal in
                report { try markInterrupted(runID: runID, signal: signal) }
                // _exit, not exit: the main thread is still training, and exit() would run library destructors
                // (oneDNN, OpenMP) under its feet. The database is already consistent.
                fflush(stdout)
                _exit(128 + signal)
            }
            defer { signals.restore() }
            result = try body(runID)
        } catch {
            // The body's error is the one worth rethrowing; failing to record it is only reported.
            report { try finishRun(runID: runID, status: .failed, error: "\(error)") }
            throw error
        }
        try finishRun(runID: runID, status: .completed, error: nil)
        return result
    }

    /// Marks the run `interrupted` with an error naming the signal, e.g. "interrupted by SIGINT".
    func markInterrupted(runID: Int64, signal: Int32) throws {
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        try finishRun(runID: runID, status: .interrupted, error: "interrupted by \(name)")
    }

    /// Writes a failure to stderr where there is no caller left to throw it to.
    private func report(_ attempt: () throws -> Void) {
        do { try attempt() } catch {
            FileHandle.standardError.write(Data("plexus: \(error)\n".utf8))
        }
    }
}

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
