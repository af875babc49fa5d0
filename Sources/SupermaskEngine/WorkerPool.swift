import Dispatch
import Foundation
import Synchronization

/// Persistent helper threads that each run a fixed share of a parallel region alongside the caller.
///
/// `DispatchQueue.concurrentPerform` lets the calling thread take every iteration itself when the pool's thread
/// wakes late, which on a busy machine turned a two-way split of each layer into serial work. Here share i
/// always runs on helper i. Between regions a helper spins briefly (about the gap between two layers) and then
/// blocks on a semaphore; the caller waits for the helpers the same way. Only ever spinning would collapse when
/// the machine is oversubscribed; only ever blocking pays a wake-up per layer.
final class WorkerPool: @unchecked Sendable {
    /// One helper thread's mailbox.
    private final class Helper: @unchecked Sendable {
        let start = DispatchSemaphore(value: 0)
        /// Regions posted to this helper so far; it runs each one once.
        let posted = Atomic<Int>(0)
        var body: (@Sendable (Int) -> Void)?
        var stopping = false
    }

    /// Spin iterations before blocking: tens of microseconds.
    private static let spinLimit = 20_000

    /// How helpers report finished shares to the caller.
    private final class Completion: Sendable {
        let finished = DispatchSemaphore(value: 0)
        /// Shares finished by helpers so far.
        let count = Atomic<Int>(0)
    }

    private let helpers: [Helper]
    private let completion = Completion()
    /// Shares handed to helpers so far.
    private var expected = 0

    /// A pool for regions of up to `width` shares (width − 1 helper threads).
    init(width: Int) {
        helpers = (1..<max(1, width)).map { _ in Helper() }
        for (index, helper) in helpers.enumerated() {
            let completion = self.completion
            let thread = Thread {
                var seen = 0
                while true {
                    var spins = 0
                    while helper.posted.load(ordering: .acquiring) == seen && spins < Self.spinLimit { spins += 1 }
                    helper.start.wait()
                    seen += 1
                    if helper.stopping { return }
                    helper.body?(index + 1)
                    helper.body = nil
                    completion.count.wrappingAdd(1, ordering: .releasing)
                    completion.finished.signal()
                }
            }
            thread.name = "supermask-worker-\(index + 1)"
            thread.start()
        }
    }

    /// The most shares a region can have.
    var width: Int { helpers.count + 1 }

    /// Runs `body(0)` … `body(shares − 1)` in parallel (shares ≤ width) and returns when all are done.
    func run(shares: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let helpersUsed = min(shares, width) - 1
        for helper in helpers.prefix(helpersUsed) {
            helper.body = body
            helper.posted.wrappingAdd(1, ordering: .releasing)
            helper.start.signal()
        }
        body(0)
        expected += helpersUsed
        var spins = 0
        while completion.count.load(ordering: .acquiring) < expected && spins < Self.spinLimit { spins += 1 }
        for _ in 0..<helpersUsed { completion.finished.wait() }
    }

    /// Runs `body(task, worker)` for every task in 0..<tasks on up to `width` threads and returns when all are
    /// done. Tasks are handed out one at a time as threads finish their last one, so a thread slowed by other
    /// load on its core takes fewer of them instead of holding the others back.
    func run(tasks: Int, _ body: @escaping @Sendable (_ task: Int, _ worker: Int) -> Void) {
        let next = TaskCounter()
        run(shares: min(tasks, width)) { worker in
            while case let task = next.take(), task < tasks { body(task, worker) }
        }
    }

    deinit {
        for helper in helpers {
            helper.stopping = true
            helper.posted.wrappingAdd(1, ordering: .releasing)
            helper.start.signal()
        }
    }
}

/// Hands out task indices 0, 1, 2, … to threads.
private final class TaskCounter: Sendable {
    private let counter = Atomic<Int>(0)

    /// The next index (each index is returned once).
    func take() -> Int { counter.wrappingAdd(1, ordering: .relaxed).oldValue }
}
