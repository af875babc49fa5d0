import Foundation
import SupermaskTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The built `supermask` started as a child the test can signal, and waited for with `wait4`, which gives the CPU
/// time the command itself used (Process neither exposes that nor lets the test wait on the exact child).
final class SpawnedCommand {
    let pid: pid_t
    /// Where its standard error goes.
    let standardErrorPath: String
    private let started = Date()

    /// How the command ended.
    struct Ending {
        /// The exit status, or 128 + the signal that killed it.
        var status: Int32
        /// User plus system CPU seconds.
        var cpuSeconds: Double
        var wallSeconds: Double
        var standardError: String
    }

    /// Starts `supermask arguments…` with the test's private cache directory, `environment` added.
    init(_ arguments: [String], environment changes: [String: String] = [:], standardError: String) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = CommandRunner.cacheDirectory.path
        for (key, value) in changes { environment[key] = value }
        let executable = CommandRunner.productsDirectory.appendingPathComponent("supermask").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var cArguments = ([executable] + arguments).map { strdup($0) } + [nil]
        var cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        // Test runners block or ignore signals on their threads; the command starts as a shell would start it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        var defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, &cArguments, &cEnvironment)
        guard result == 0 else { throw ServerError("posix_spawn: \(result)") }
        self.pid = pid
        standardErrorPath = standardError
    }

    /// Waits for the command to end.
    func wait() -> Ending {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0, errno == EINTR {}
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let signal = status & 0x7F
        return Ending(
            status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal, cpuSeconds: cpu,
            wallSeconds: Date().timeIntervalSince(started),
            standardError: (try? String(contentsOfFile: standardErrorPath, encoding: .utf8)) ?? "")
    }
}

/// Whether a process with this ID exists (and is not a zombie waiting for its parent).
func processIsRunning(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    // The state follows the command name in parentheses: "123 (python3) S ...".
    guard let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
}

/// Waits up to `seconds` for `path` to exist and returns its contents.
func waitForFile(_ path: String, seconds: Double) -> String? {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasSuffix("\n") { return text }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return nil
}

/// A stand-in for tools/pth2h5.py in a directory of its own: it writes "PID CHILD_PID\n" to `pidFile`, starts a
/// `sleep` in its process group, and then sleeps for two minutes (ignoring SIGTERM when `ignoresTerm`), so that tests
/// can check that a hung converter and everything it started are stopped.
func hangingConverter(in directory: URL, pidFile: String, ignoresTerm: Bool = false) throws -> URL {
    let tools = directory.appendingPathComponent("hanging-tools")
    try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
    let script = """
        import os, signal, subprocess, time
        \(ignoresTerm ? "signal.signal(signal.SIGTERM, signal.SIG_IGN)" : "")
        child = subprocess.Popen(["sleep", "120"])
        with open(\(String(reflecting: pidFile)), "w") as f:
            f.write(f"{os.getpid()} {child.pid}\\n")
        time.sleep(120)
        """
    try script.write(to: tools.appendingPathComponent("pth2h5.py"), atomically: true, encoding: .utf8)
    return tools
}
