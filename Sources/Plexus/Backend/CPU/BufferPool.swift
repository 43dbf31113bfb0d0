import Foundation

/// Large tensor buffers, mapped from the system and kept for reuse by exact size, outside glibc's heap.
///
/// Training allocates the same buffer sizes step after step. In glibc's heap those buffers share address space
/// with the small, longer-lived objects of the step (tensors, graph nodes), which land inside freed buffers and
/// split them, so the next step cannot reuse them and the heap grows: the bench ResNet's heap held 590 MB for
/// 107 MB of live data after 50 steps. Here each large buffer is its own mapping and a freed one waits, by size,
/// for the next request of that size (PyTorch's caching allocator does the same for GPU memory).
///
/// The bytes mapped, live and kept together, stay within the peak of live bytes plus a slack: a request that needs
/// a new mapping first unmaps kept buffers of other sizes (those of a phase that is over, training's batch size
/// when evaluation uses another) as far as needed. The slack, an eighth of the peak and at least `minimumSlack`,
/// is there because a step frees and requests different sizes at different moments: with none, the bench convnet
/// unmapped and mapped again four buffers (30 MB) every step, and its epoch took twice as long.
/// `releaseAll` (called by `CPUBackend.returnFreedMemory` between a pipeline's phases) unmaps every kept buffer.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    /// Smaller buffers come from malloc: mapping them would cost more than it saves.
    static let minimumBytes = 256 << 10
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    private let minimumSlack: Int
    private let lock = NSLock()
    private var kept: [Int: [UnsafeMutableRawPointer]] = [:]
    private var keptBytes = 0
    private var liveBytes = 0
    private var peakLiveBytes = 0

    init(minimumSlack: Int = 32 << 20) {
        self.minimumSlack = minimumSlack
    }

    /// A page-aligned buffer of at least `bytes` bytes (`bytes` >= `minimumBytes`); nil when the system has no memory.
    func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        let size = Self.mappedSize(bytes)
        lock.lock()
        liveBytes += size
        peakLiveBytes = max(peakLiveBytes, liveBytes)
        if let buffer = kept[size]?.popLast() {
            keptBytes -= size
            lock.unlock()
            return buffer
        }
        let evicted = evict(liveBytes + keptBytes - peakLiveBytes - max(peakLiveBytes / 8, minimumSlack))
        lock.unlock()
        for (buffer, size) in evicted { munmap(buffer, size) }
        let buffer = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let buffer, buffer != MAP_FAILED else {
            lock.lock()
            liveBytes -= size
            lock.unlock()
            return nil
        }
        return buffer
    }

    /// Gives back a buffer `take(bytes)` returned, kept for the next request of its size.
    func give(_ buffer: UnsafeMutableRawPointer, bytes: Int) {
        let size = Self.mappedSize(bytes)
        lock.lock()
        liveBytes -= size
        kept[size, default: []].append(buffer)
        keptBytes += size
        lock.unlock()
    }

    /// Takes kept buffers out of the pool until at least `excess` bytes are out (largest sizes first, so that few
    /// go), for the caller to unmap once the lock is released. Called with the lock held.
    private func evict(_ excess: Int) -> [(UnsafeMutableRawPointer, Int)] {
        var evicted: [(UnsafeMutableRawPointer, Int)] = [], freed = 0
        for size in kept.keys.sorted(by: >) where freed < excess {
            while freed < excess, let buffer = kept[size]?.popLast() {
                evicted.append((buffer, size))
                freed += size
                keptBytes -= size
            }
            if kept[size]?.isEmpty == true { kept[size] = nil }
        }
        return evicted
    }

    /// Unmaps every kept buffer, and starts the live peak again from what is live now.
    func releaseAll() {
        lock.lock()
        let released = kept
        kept = [:]
        keptBytes = 0
        peakLiveBytes = liveBytes
        lock.unlock()
        for (size, buffers) in released {
            for buffer in buffers { munmap(buffer, size) }
        }
    }

    /// Bytes mapped for live buffers and kept ones, for tests.
    var statistics: (live: Int, kept: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (liveBytes, keptBytes)
    }

    private static func mappedSize(_ bytes: Int) -> Int {
        (bytes + pageSize - 1) / pageSize * pageSize
    }
}
