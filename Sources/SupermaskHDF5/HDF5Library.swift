import Foundation

/// Serialises every use of libhdf5 in the process.
///
/// Debian's libhdf5 is the serial build, which is not thread-safe: two threads inside it at once can crash
/// the process. Everything in this module that calls HDF5 does so inside `withLock`.
enum HDF5Library {
    private static let lock = NSLock()

    static func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
