import Foundation
import SupermaskCore

/// The parent's side of reading an `.h5` file in a child process: which program to start, how long to let it run,
/// and the checks on what comes back.
///
/// The parent opens the file itself (it must be a regular file) and gives the child that descriptor as its standard
/// input, so the child reads exactly the file the parent checked. The child (`HDF5ChildReader`) limits its own
/// resources, reads the file with libhdf5 and writes a `StateDictStream` on its standard output. A crash, a
/// signal, a non-zero exit, a stream that breaks the format or `HDF5Limits`, or a child still running at the
/// deadline (it is then killed) all become `FILE: malformed HDF5 file (the HDF5 library … while reading it)`.
public struct HDF5ChildProcess: Sendable {
    /// The program to start: `/proc/self/exe`, this very executable, when it has the hidden subcommand.
    public var executable: String
    /// Its arguments after the program name: the hidden subcommand, which calls `HDF5ChildReader.run()`.
    public var arguments: [String]
    /// The time any file gets, however small.
    public var minimumTimeout: Duration
    /// The reading speed the timeout allows on top of `minimumTimeout`, in bytes per second: far slower than any
    /// disk, so only a child that has stopped making progress reaches it.
    public var bytesPerSecond: Int

    /// By default 20 s plus 1 s per 8 MiB (ResNet-50's 195 MiB: 44 s; WideResNet101_2's 970 MiB: 2 min 21 s).
    public init(
        executable: String, arguments: [String], minimumTimeout: Duration = Self.defaultMinimumTimeout,
        bytesPerSecond: Int = Self.defaultBytesPerSecond
    ) {
        self.executable = executable
        self.arguments = arguments
        self.minimumTimeout = minimumTimeout
        self.bytesPerSecond = bytesPerSecond
    }

    /// This executable started again with `subcommand`, the hidden subcommand that runs `HDF5ChildReader.run()`.
    public static func sameExecutable(subcommand: String) -> HDF5ChildProcess {
        HDF5ChildProcess(executable: "/proc/self/exe", arguments: [subcommand])
    }

    /// The default `minimumTimeout`.
    public static let defaultMinimumTimeout = Duration.seconds(20)
    /// The default `bytesPerSecond`: 8 MiB/s.
    public static let defaultBytesPerSecond = 8 << 20

    /// How long the child may take for a file of `size` bytes.
    public func timeout(forFileSize size: Int) -> Duration {
        minimumTimeout + .seconds(size / max(bytesPerSecond, 1))
    }

    /// The timeout for a file of `size` bytes with the default settings, which is also the child's CPU-time limit.
    static func defaultTimeout(forFileSize size: Int) -> Duration {
        defaultMinimumTimeout + .seconds(size / defaultBytesPerSecond)
    }

    /// The message for a child that crashed, was killed, exited with an error or wrote a malformed stream.
    public static let failureMessage = "malformed HDF5 file (the HDF5 library failed while reading it)"

    /// The message for a child still running at its deadline.
    public static func timeoutMessage(_ timeout: Duration) -> String {
        "malformed HDF5 file (the HDF5 library timed out while reading it, after \(timeout.components.seconds) s)"
    }

    /// Reads the state dict at `path` in a child process.
    public func readStateDict(path: String) throws -> HDF5StateDict {
        let input = try Self.openRegularFile(path)
        defer { close(input.descriptor) }
        let timeout = timeout(forFileSize: input.size)
        let deadline = ContinuousClock.now + timeout
        var environment = ProcessInfo.processInfo.environment
        // The Swift runtime's crash reporter would spend seconds symbolicating a libhdf5 crash nobody sees.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: executable, arguments: arguments, environment: environment, input: input.descriptor)
        } catch let failure as ChildProcess.SpawnFailure {
            throw SupermaskError(file: path, "cannot start the HDF5 reader process \(executable) (\(failure.description))")
        }
        let outcome: Result<StateDictStream.Outcome, ChildOutput.Failure>
        do {
            outcome = .success(try StateDictStream.parse(ChildOutput(descriptor: child.output, deadline: deadline), fileSize: input.size))
        } catch {
            outcome = .failure(error as? ChildOutput.Failure ?? .malformed)
            child.kill()
        }
        let termination = child.wait(until: deadline)
        switch (outcome, termination) {
        case (.success(.stateDict(let stateDict)), .exited(0)):
            return stateDict
        case (.success(.refused(let message)), .exited(0)):
            throw SupermaskError(file: path, message)
        case (.failure(.timedOut), _), (_, .timedOut):
            throw SupermaskError(file: path, Self.timeoutMessage(timeout))
        default:
            throw SupermaskError(file: path, Self.failureMessage)
        }
    }

    /// Opens `path` for the child: it must exist, be readable and be a regular file (a FIFO or a device could
    /// block any reader). Non-blocking, so that opening a FIFO cannot block the parent either.
    private static func openRegularFile(_ path: String) throws -> (descriptor: Int32, size: Int) {
        let opened = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard opened >= 0 else {
            throw SupermaskError(file: path, errno == ENOENT ? "no such file" : "cannot read the file")
        }
        let descriptor = ChildProcess.movedAboveStandardStreams(opened)
        guard descriptor >= 0 else { throw SupermaskError(file: path, "cannot read the file") }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw SupermaskError(file: path, "not a regular file")
        }
        return (descriptor, Int(status.st_size))
    }
}
