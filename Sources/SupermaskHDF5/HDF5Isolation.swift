import Synchronization

/// Where `CheckpointImporter` runs libhdf5.
///
/// libhdf5 1.10 (Debian's) crashes or hangs on some crafted files, which nothing in its API can prevent. A program
/// that can start itself as a child process, as the `supermask` command does, sets `current` to `.childProcess`
/// before it reads any file: libhdf5 then runs only in a short-lived child with its own resource limits, and a crash
/// or hang there becomes one error naming the file. Library users without such an executable (tests, other
/// packages) keep the default, `.inProcess`, with the same checks but no protection from libhdf5's own crashes.
public enum HDF5Isolation: Sendable {
    /// libhdf5 runs in this process, serialised by a lock (Debian's build is not thread-safe).
    case inProcess
    /// libhdf5 runs in a child process started for each file (docs/security.md, "HDF5 files").
    case childProcess(HDF5ChildProcess)

    private static let setting = Mutex(HDF5Isolation.inProcess)

    /// The isolation every `CheckpointImporter.load` uses: `.inProcess` until the program sets it, once, at startup.
    public static var current: HDF5Isolation {
        get { setting.withLock { $0 } }
        set { setting.withLock { $0 = newValue } }
    }

    /// Reads the state dict at `path` with libhdf5 where this setting says, or throws a `SupermaskError` naming it.
    public func readStateDict(path: String) throws -> HDF5StateDict {
        switch self {
        case .inProcess: return try HDF5StateDictReader.read(path: path)
        case .childProcess(let child): return try child.readStateDict(path: path)
        }
    }
}
