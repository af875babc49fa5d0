import CHDF5
import Foundation
import SupermaskCore

/// The child process's side of reading an `.h5` file: what the hidden subcommand of the `supermask` executable
/// runs when `HDF5Isolation.current` is `.childProcess`.
public enum HDF5ChildReader {
    /// Limits this process's own resources, reads the `.h5` file open on standard input with libhdf5 and writes a
    /// `StateDictStream` on standard output; returns the exit status: 0 when the stream is complete (the state dict,
    /// or a refusal saying what is wrong with the file), 1 when it could not be written.
    public static func run() -> Int32 {
        // Not worth failing over: without it an orphaned child still dies at its CPU limit or its next write.
        _ = h5shim_die_with_parent()
        var writer = StateDictStreamWriter(descriptor: STDOUT_FILENO)
        writer.writeHeader()
        do {
            do {
                var input = stat()
                guard fstat(STDIN_FILENO, &input) == 0 else { throw SupermaskError("cannot read the file") }
                try ChildResourceLimits.apply(fileSize: Int(input.st_size))
                // The descriptor's own file, reopened by libhdf5 (which opens files by path).
                try HDF5StateDictReader.read(path: "/proc/self/fd/\(STDIN_FILENO)", into: &writer)
                try writer.writeEnd()
            } catch let refusal as SupermaskError {
                try writer.writeRefusal(refusal.message)
            }
            return 0
        } catch {
            return 1
        }
    }
}

/// The resource limits the child sets on itself before libhdf5 touches the file, so that whatever a crafted file
/// makes libhdf5 do ends in an error or a signal the parent reports.
enum ChildResourceLimits {
    /// The address space libhdf5 may use beyond what the process has mapped when it starts reading and the tensor
    /// it holds: its metadata cache, B-tree nodes, type-conversion and sieve buffers. Reading a ResNet-50 or a
    /// WideResNet50_2 file takes about 15 MiB of it (docs/security.md).
    static let libraryAllowance = 128 << 20

    /// The address space the child may add: `libraryAllowance` plus one tensor as float32, the most the reader holds
    /// at once. A tensor's stored bytes are at most the file's size (the reader checks), so it has at most that many
    /// elements of at least one byte; and at most `HDF5Limits.maxTensorElements`.
    static func addressSpaceAllowance(fileSize: Int) -> Int {
        libraryAllowance + 4 * min(max(fileSize, 0), HDF5Limits.maxTensorElements)
    }

    /// Sets RLIMIT_CORE and RLIMIT_FSIZE to 0 (no core dumps, no files written), RLIMIT_CPU to the default timeout
    /// for the file's size, and RLIMIT_AS to the address space mapped now plus `addressSpaceAllowance`; each only
    /// ever lowered.
    static func apply(fileSize: Int) throws {
        try lower(Int32(RLIMIT_CORE.rawValue), to: 0)
        try lower(Int32(RLIMIT_FSIZE.rawValue), to: 0)
        let seconds = HDF5ChildProcess.defaultTimeout(forFileSize: fileSize).components.seconds
        // At the soft limit the kernel sends SIGXCPU, one second later SIGKILL.
        try lower(Int32(RLIMIT_CPU.rawValue), to: rlim_t(seconds), hard: rlim_t(seconds + 1))
        guard let mapped = currentAddressSpace() else { throw SupermaskError("cannot measure the HDF5 reader's memory") }
        try lower(Int32(RLIMIT_AS.rawValue), to: rlim_t(mapped + addressSpaceAllowance(fileSize: fileSize)))
    }

    private static func lower(_ resource: Int32, to soft: rlim_t, hard: rlim_t? = nil) throws {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(resource), &limit) == 0 else { throw failure() }
        limit.rlim_cur = min(soft, limit.rlim_max)
        limit.rlim_max = min(hard ?? soft, limit.rlim_max)
        guard setrlimit(__rlimit_resource_t(resource), &limit) == 0 else { throw failure() }
    }

    /// The bytes of address space this process has mapped, from /proc/self/statm (its first field, in pages).
    static func currentAddressSpace() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").first.flatMap({ Int($0) })
        else { return nil }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }

    private static func failure() -> SupermaskError {
        SupermaskError("cannot limit the HDF5 reader's resources (\(String(cString: strerror(errno))))")
    }
}
