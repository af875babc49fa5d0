import Dispatch
import Foundation
import Synchronization

/// How far a search has come.
public struct SeedSearchProgress: Sendable {
    /// Seeds tested so far.
    public var tested: UInt64
    /// Seeds in the range.
    public var total: UInt64
    /// Seconds since the search started.
    public var seconds: Double
    /// Seeds per second of the test running now, its preparation excluded: the rate the rest goes at (a search
    /// of all 2³² changes its test after the first 2²⁰ seeds, §3.4 of docs/seed-recovery.md).
    public var seedsPerSecond: Double

    /// A report of `tested` of `total` seeds after `seconds`, the current test running at `seedsPerSecond`.
    public init(tested: UInt64, total: UInt64, seconds: Double, seedsPerSecond: Double) {
        self.tested = tested
        self.total = total
        self.seconds = seconds
        self.seedsPerSecond = seedsPerSecond
    }

    /// A report from one scan's own clock: its rate is its seeds over its seconds.
    init(tested: UInt64, total: UInt64, seconds: Double) {
        self.init(tested: tested, total: total, seconds: seconds, seedsPerSecond: seconds > 0 ? Double(tested) / seconds : 0)
    }

    /// The seconds still needed at the current rate, once there is one.
    public var secondsLeft: Double? {
        guard seedsPerSecond > 0 else { return nil }
        return Double(total - min(tested, total)) / seedsPerSecond
    }
}

/// Runs a `SeedScanQuery` over a range of seeds on several threads.
///
/// Threads take chunks of 2¹⁶ seeds in increasing order from a shared counter (a thread slowed by other work on
/// the machine takes fewer), and hand the rare seeds that pass the kernel to the calling thread, which checks
/// them (`accept`) while the threads go on, and reports progress about twice a second.
struct SeedScan {
    /// Seeds per chunk: a few milliseconds of work, so a stop takes effect at once and the load stays balanced.
    static let chunkSize: UInt64 = 1 << 16

    let query: SeedScanQuery
    let kernels: SeedScanKernels

    /// What a scan did.
    struct Outcome {
        /// The seed `accept` took, if any.
        var accepted: UInt32?
        /// Seeds tested (whole chunks; when a seed was accepted, the chunks finished by then).
        var tested: UInt64
        /// Wall-clock seconds.
        var seconds: Double
    }

    /// State the threads share.
    private final class Shared: Sendable {
        let nextChunk = Atomic<Int>(0)
        let tested = Atomic<UInt64>(0)
        let stop = Atomic<Bool>(false)
        let finishedThreads = Atomic<Int>(0)
        let hits = Mutex<[UInt32]>([])
        let wake = DispatchSemaphore(value: 0)
    }

    /// Scans `range` on `threads` threads. `accept` sees every seed that passes the kernel, on the calling
    /// thread; returning true stops the scan. `progress` is called on the calling thread, last when it ends.
    func run(range: SeedRange, threads: Int, progress: (SeedSearchProgress) -> Void, accept: (UInt32) -> Bool) -> Outcome {
        let shared = Shared()
        let chunks = Int((range.size + Self.chunkSize - 1) / Self.chunkSize)
        let start = DispatchTime.now()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        let workers = max(1, min(threads, chunks))
        for index in 0..<workers {
            let (query, kernels) = (self.query, self.kernels)
            let thread = Thread {
                while !shared.stop.load(ordering: .relaxed) {
                    let chunk = shared.nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
                    if chunk >= chunks { break }
                    let first = range.lowerBound + UInt64(chunk) * Self.chunkSize
                    let count = min(Self.chunkSize, range.upperBound - first)
                    let (hits, _) = query.scan(first: first, count: count, kernels: kernels)
                    if !hits.isEmpty {
                        shared.hits.withLock { $0 += hits }
                        shared.wake.signal()
                    }
                    shared.tested.wrappingAdd(count, ordering: .relaxed)
                }
                shared.finishedThreads.wrappingAdd(1, ordering: .releasing)
                shared.wake.signal()
            }
            thread.name = "supermask-seed-search-\(index)"
            thread.start()
        }
        var accepted: UInt32?
        var lastReport = -Double.infinity
        while true {
            _ = shared.wake.wait(timeout: .now() + .milliseconds(250))
            let finished = shared.finishedThreads.load(ordering: .acquiring) == workers
            let hits = shared.hits.withLock { hits in
                defer { hits.removeAll() }
                return hits.sorted()
            }
            for hit in hits where accepted == nil && accept(hit) {
                accepted = hit
                shared.stop.store(true, ordering: .relaxed)
            }
            if finished { break }
            let now = elapsed()
            if now - lastReport >= 0.5 {
                lastReport = now
                progress(SeedSearchProgress(tested: shared.tested.load(ordering: .relaxed), total: range.size, seconds: now))
            }
        }
        let outcome = Outcome(accepted: accepted, tested: shared.tested.load(ordering: .relaxed), seconds: elapsed())
        progress(SeedSearchProgress(tested: outcome.tested, total: range.size, seconds: outcome.seconds))
        return outcome
    }
}
