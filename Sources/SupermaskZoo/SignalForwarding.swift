import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM while children run in their own process groups: each signal is recorded and passed on to
/// every such group as SIGTERM, instead of ending `supermask` and leaving the children orphaned.
///
/// A signal handler may only touch memory that needs no lock, so the children's groups live in a fixed table of
/// `capacity` slots allocated once; the handler is installed while at least one `SignalForwarding` is in use and
/// the previous handlers are restored when the last one is uninstalled.
final class SignalForwarding: @unchecked Sendable {
    private static let capacity = 64
    private static let forwarded = [SIGINT, SIGTERM]
    private static let lock = NSLock()
    // Set up under `lock` before the handler is installed, then read by the handler without locking.
    nonisolated(unsafe) private static var groups = UnsafeMutablePointer<pid_t>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var signalCount: Int32 = 0
    nonisolated(unsafe) private static var lastSignal: Int32 = 0
    nonisolated(unsafe) private static var users = 0
    nonisolated(unsafe) private static var previous: [Int32: sigaction] = [:]

    private var slot: Int?
    private let countAtInstall: Int32

    private init(slot: Int?, countAtInstall: Int32) {
        self.slot = slot
        self.countAtInstall = countAtInstall
    }

    /// Starts forwarding (the child is not known yet; `forward(to:)` names it).
    static func install() -> SignalForwarding {
        lock.withLock {
            if users == 0 {
                groups.initialize(repeating: 0, count: capacity)
                for signal in forwarded {
                    var action = sigaction()
                    action.__sigaction_handler.sa_handler = { SignalForwarding.handle($0) }
                    sigemptyset(&action.sa_mask)
                    var old = sigaction()
                    sigaction(signal, &action, &old)
                    previous[signal] = old
                }
            }
            users += 1
            let slot = (0..<capacity).first { groups[$0] == 0 }
            if let slot { groups[slot] = -1 }  // taken; no group to signal until the child exists
            return SignalForwarding(slot: slot, countAtInstall: signalCount)
        }
    }

    /// Forwards later signals to the process group `pid`, and one that already arrived right away.
    func forward(to pid: pid_t) {
        guard let slot else { return }
        Self.groups[slot] = pid
        if let received { kill(-pid, received) }
    }

    /// The last signal received since `install`, if any.
    var received: Int32? {
        Self.signalCount != countAtInstall ? Self.lastSignal : nil
    }

    /// Stops forwarding to this child; the last user restores the previous handlers.
    func uninstall() {
        Self.lock.withLock {
            if let slot { Self.groups[slot] = 0 }
            slot = nil
            Self.users -= 1
            if Self.users == 0 {
                for (signal, old) in Self.previous {
                    var action = old
                    sigaction(signal, &action, nil)
                }
                Self.previous = [:]
            }
        }
    }

    /// The signal handler: stores and `kill` calls only, which are async-signal-safe.
    private static func handle(_ signal: Int32) {
        lastSignal = signal
        signalCount &+= 1
        for index in 0..<capacity where groups[index] > 0 {
            kill(-groups[index], signal)
        }
    }
}
