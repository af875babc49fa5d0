import Foundation

/// A directory of this process's own under `$TMPDIR`, for readers that take a path rather than bytes.
///
/// Every execution overwrites the same few files, so a campaign of millions of inputs leaves one small directory,
/// removed when the process exits normally (tools/fuzz.sh points `$TMPDIR` at a folder of its own and empties it
/// after a crash).
public enum ScratchDirectory {
    /// The directory, created on first use.
    public static let url: URL = {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSTemporaryDirectory())
        let url = base.appendingPathComponent("supermask-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            // A harness that cannot write its scratch file would silently fuzz nothing.
            fatalError("fuzz harness: cannot create \(url.path): \(error)")
        }
        atexit { try? FileManager.default.removeItem(at: ScratchDirectory.url) }
        return url
    }()

    /// Writes `bytes` to `name` in the directory, replacing what was there, and returns the file's path.
    public static func write(_ bytes: [UInt8], as name: String) -> String {
        let path = url.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            fatalError("fuzz harness: cannot write \(path)")
        }
        return path
    }
}
