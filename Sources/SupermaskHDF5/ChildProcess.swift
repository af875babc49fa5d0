import CHDF5
import Foundation

/// A child process started with `posix_spawn`: its standard input a file the parent opened, its standard output a
/// pipe to the parent, its standard error `/dev/null` (whatever a crashing library prints must not become a second
/// line of the user's error). Every signal has its default action and none is blocked in the child, whatever the
/// parent set, and it inherits no other descriptor.
final class ChildProcess {
    /// How the child ended.
    enum Termination: Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// Still running at the deadline, so killed.
        case timedOut
        /// `waitpid` could not tell (someone else reaped it).
        case unknown
    }

    let pid: pid_t
    /// The read end of the child's standard output.
    let output: Int32
    private var reaped = false

    /// Starts `executable` with `arguments` (argv[1...]) and `environment`, reading `input`.
    init(executable: String, arguments: [String], environment: [String: String], input: Int32) throws {
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC) == 0 else { throw SpawnFailure(code: errno) }
        ends = ends.map(Self.movedAboveStandardStreams)
        guard ends.allSatisfy({ $0 >= 0 }) else {
            ends.filter { $0 >= 0 }.forEach { close($0) }
            throw SpawnFailure(code: EMFILE)
        }
        // A larger pipe (1 MiB, Linux's default ceiling for unprivileged processes) means fewer context switches
        // while tensors stream through; if the kernel refuses, the default 64 KiB works too.
        _ = h5shim_set_pipe_size(ends[0], 1 << 20)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // `input` and the pipe are above 2, so no dup2 here overwrites another's source.
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(ends[1])
        guard status == 0 else {
            close(ends[0])
            throw SpawnFailure(code: status)
        }
        self.pid = pid
        self.output = ends[0]
    }

    deinit {
        if !reaped { kill() }
        close(output)
    }

    /// Kills the child if it is still running and reaps it.
    func kill() {
        guard !reaped else { return }
        _ = Foundation.kill(pid, SIGKILL)
        _ = waitBlocking()
    }

    /// Waits for the child to exit until `deadline`, then kills it; either way it is reaped, never left a zombie.
    func wait(until deadline: ContinuousClock.Instant) -> Termination {
        guard !reaped else { return .unknown }
        var pause = Duration.milliseconds(1)
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                reaped = true
                return Self.termination(status)
            }
            if result < 0 && errno == EINTR { continue }
            if result < 0 {
                reaped = true
                return .unknown
            }
            guard ContinuousClock.now < deadline else {
                _ = Foundation.kill(pid, SIGKILL)
                _ = waitBlocking()
                return .timedOut
            }
            Thread.sleep(forTimeInterval: pause / .seconds(1))
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// `descriptor` if it is above 2, else a close-on-exec duplicate above 2 (the original closed), so that the
    /// child's dup2s onto 0, 1 and 2 cannot overwrite it; -1 if none can be made.
    static func movedAboveStandardStreams(_ descriptor: Int32) -> Int32 {
        guard descriptor < 3 else { return descriptor }
        let moved = fcntl(descriptor, F_DUPFD_CLOEXEC, 3)
        close(descriptor)
        return moved
    }

    private func waitBlocking() -> Termination {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, 0)
            if result < 0 && errno == EINTR { continue }
            reaped = true
            return result == pid ? Self.termination(status) : .unknown
        }
    }

    /// Decodes a `waitpid` status (the WIFEXITED/WTERMSIG macros, which Swift cannot import).
    private static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }

    /// `posix_spawn` or `pipe2` failed with this errno.
    struct SpawnFailure: Error {
        var code: Int32
        var description: String { String(cString: strerror(code)) }
    }
}
