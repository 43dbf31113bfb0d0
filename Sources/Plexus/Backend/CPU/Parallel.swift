import CDNNL

/// Splits `0..<count` into contiguous chunks run on all cores, when the work is large enough to pay for threads.
/// Small work runs inline: thread hand-off costs microseconds, more than a short loop.
///
/// The chunks run on oneDNN's OpenMP team (`GOMP_parallel`), whose threads still spin, ready, for a while after
/// each oneDNN kernel; a loop on another pool (GCD's) competed with them for the two cores. The chunks are the
/// same whatever the team's size, so results do not depend on it.
@inline(__always)
func parallelFor(_ count: Int, grain: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
    let chunks = min(CPUBackend.coreCount, count / grain)
    if chunks <= 1 {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        var job = ParallelJob(count: count, chunks: chunks, size: (count + chunks - 1) / chunks, body: body)
        withUnsafeMutablePointer(to: &job) { pointer in
            GOMP_parallel({ data in
                let job = data!.assumingMemoryBound(to: ParallelJob.self).pointee
                let threads = Int(omp_get_num_threads())
                for chunk in stride(from: Int(omp_get_thread_num()), to: job.chunks, by: max(threads, 1)) {
                    let start = chunk * job.size
                    job.body(start..<min(job.count, start + job.size))
                }
            }, pointer, UInt32(chunks), 0)
        }
    }
}

/// What each thread of a `parallelFor` team needs: the chunking and the loop body.
private struct ParallelJob {
    let count: Int
    let chunks: Int
    let size: Int
    let body: (Range<Int>) -> Void
}
