import Foundation
import SupermaskCore
#if canImport(Glibc)
import Glibc
#endif

/// A program run to completion in its own process group, with a deadline, so that neither a hang nor an
/// interrupted `supermask` leaves it running.
///
/// The child gets `/dev/null` for stdin and stdout and a pipe for stderr (its last 64 KiB are kept). While it runs,
/// SIGINT and SIGTERM sent to `supermask` are forwarded to the child's whole group, which then has `gracePeriod`
/// seconds to exit before SIGKILL; the same happens when `timeout` passes. Its own group keeps a terminal's Ctrl-C
/// from reaching it twice and lets every process it may have started be stopped with it.
struct ChildProcess {
    /// How the child ended.
    enum Ending: Equatable {
        /// It exited by itself with this status.
        case exited(Int32)
        /// It was killed by this signal, not sent by us.
        case signalled(Int32)
        /// It ran past the timeout and was stopped.
        case timedOut
        /// `supermask` received this signal (SIGINT or SIGTERM) and stopped the child.
        case interrupted(Int32)
    }

    /// The program and its arguments (`arguments[0]` is the program's name for itself).
    var executable: String
    var arguments: [String]
    /// Seconds the child may run.
    var timeout: TimeInterval
    /// Seconds between SIGTERM and SIGKILL.
    var gracePeriod: TimeInterval = 5

    /// Runs the child to its end and returns how it ended, its process ID and the tail of its stderr.
    func run() throws -> (ending: Ending, pid: pid_t, standardError: String) {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw SupermaskError("cannot create a pipe: errno \(errno)") }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        defer { close(readEnd) }

        // Forwarding is installed before the child exists: a signal in between must not leave it orphaned.
        let forwarding = SignalForwarding.install()
        defer { forwarding.uninstall() }
        let pid: pid_t
        do {
            defer { close(writeEnd) }
            pid = try spawn(standardError: writeEnd)
        }
        forwarding.forward(to: pid)

        let tail = StandardErrorTail(readEnd)
        let exit = ExitWatch(pid)
        var ending: Ending?
        if !exit.wait(until: .now() + timeout, orUntil: forwarding) {
            ending = forwarding.received.map(Ending.interrupted) ?? .timedOut
            stop(group: pid, exit: exit)
        }
        let status = exit.status
        tail.finish()
        if ending == nil, let signal = forwarding.received {
            ending = .interrupted(signal)
        }
        return (ending ?? Self.ending(of: status), pid, tail.text)
    }

    /// SIGTERM to the group, then SIGKILL to whatever of it has not exited within the grace period: the child
    /// itself and every process it started (its exit alone does not end them; a busy machine may not have
    /// scheduled them to die yet).
    private func stop(group pid: pid_t, exit: ExitWatch) {
        let deadline = DispatchTime.now() + gracePeriod
        kill(-pid, SIGTERM)
        if exit.wait(until: deadline, orUntil: nil), Self.waitForGroupToEnd(pid, until: deadline) { return }
        kill(-pid, SIGKILL)
        _ = exit.wait(until: .distantFuture, orUntil: nil)
        _ = Self.waitForGroupToEnd(pid, until: .now() + 1)
    }

    /// Polls until no process of group `pid` is left (`kill(-pid, 0)` fails) or `deadline` passes.
    private static func waitForGroupToEnd(_ pid: pid_t, until deadline: DispatchTime) -> Bool {
        while kill(-pid, 0) == 0 {
            if DispatchTime.now() >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    private func spawn(standardError: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, standardError, 2)
        posix_spawn_file_actions_addclose(&actions, standardError)
        // Its own process group; default handling of the signals supermask ignores while it forwards them; no
        // signal blocked.
        var defaults = sigset_t()
        var none = sigset_t()
        sigemptyset(&defaults)
        sigemptyset(&none)
        for signal in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var cArguments = arguments.map { strdup($0) }
        cArguments.append(nil)
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, cArguments, environ)
        guard result == 0 else {
            throw SupermaskError("cannot run \(executable.escapedPath): \(String(cString: strerror(result)))")
        }
        return pid
    }

    private static func ending(of status: Int32) -> Ending {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }
}

/// Waits for a child to exit on a thread blocked in `waitpid`, so that the caller can wait with a deadline.
private final class ExitWatch: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var exited = false
    /// The raw `waitpid` status, valid once the child exited.
    private(set) var status: Int32 = 0

    init(_ pid: pid_t) {
        let thread = Thread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            self.status = status
            self.done.signal()
        }
        thread.start()
    }

    /// Whether the child exited before `deadline`; returns early (false) when `forwarding` received a signal.
    func wait(until deadline: DispatchTime, orUntil forwarding: SignalForwarding?) -> Bool {
        if exited { return true }
        // One wake-up a second at most while waiting for a signal: the semaphore cannot be signalled from a
        // signal handler, so the handler's flag is read on those wake-ups.
        while true {
            let slice = forwarding == nil ? deadline : min(deadline, .now() + 1)
            if done.wait(timeout: slice) == .success {
                exited = true
                return true
            }
            if DispatchTime.now() >= deadline || forwarding?.received != nil { return false }
        }
    }
}

/// Reads a pipe to its end on a thread, keeping the last 64 KiB.
private final class StandardErrorTail: @unchecked Sendable {
    private static let kept = 64 << 10
    private let finished = DispatchSemaphore(value: 0)
    private var bytes: [UInt8] = []

    init(_ descriptor: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16 << 10)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                bytes += buffer[0..<count]
                if bytes.count > 2 * Self.kept { bytes.removeFirst(bytes.count - Self.kept) }
            }
            finished.signal()
        }
        thread.start()
    }

    /// Waits for the end of the pipe (the child and its group have exited).
    func finish() { finished.wait() }

    var text: String { String(decoding: bytes.suffix(Self.kept), as: UTF8.self) }
}
