import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splits `0..<count` into contiguous chunks run on all cores, when the work is large enough to pay for threads.
/// Small work runs inline: thread hand-off costs microseconds, more than a short loop.
@inline(__always)
func parallelFor(_ count: Int, grain: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    let chunks = min(CPUBackend.coreCount, count / grain)
    if chunks <= 1 {
        body(0..<count)
        return
    }
    let size = (count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * size
        body(start..<min(count, start + size))
    }
}
