#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Opening input files the one safe way: only regular files, never blocking, within a size bound.
///
/// A FIFO or a device named like a model or an image would make a plain `open` wait for a writer forever, or a
/// read never end (`/dev/zero`); a file larger than anything of its kind can hold is refused before it is read.
/// Every reader of a file a user was given goes through here.
public enum RegularFile {
    /// Opens `path` for reading without blocking and checks it is a regular file; returns the descriptor (which
    /// the caller closes) and the file's size.
    public static func open(_ path: String) throws -> (descriptor: Int32, size: Int) {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let reason = errno == ENOENT ? "no such file" : "cannot open the file: \(String(cString: strerror(errno)))"
            throw SupermaskError(file: path, reason)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw SupermaskError(file: path, "cannot read the file: \(reason)")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw SupermaskError(file: path, status.st_mode & S_IFMT == S_IFDIR ? "a directory, not a file" : "not a regular file")
        }
        return (descriptor, Int(status.st_size))
    }

    /// A handle on the regular file at `path`, for reading it piece by piece; it closes the file when released.
    public static func handle(_ path: String) throws -> (handle: FileHandle, size: Int) {
        let (descriptor, size) = try open(path)
        return (FileHandle(fileDescriptor: descriptor, closeOnDealloc: true), size)
    }

    /// The bytes of the regular file at `path`, which may hold at most `limit` bytes; `what` names the kind of
    /// file in the refusal ("a manifest").
    public static func read(_ path: String, limit: Int, what: String = "a file of this kind") throws -> [UInt8] {
        try withMapped(path) { raw in
            guard raw.count <= limit else {
                throw SupermaskError(file: path, "\(raw.count) bytes, more than the \(limit) \(what) may hold")
            }
            return [UInt8](raw)
        }
    }

    /// Runs `body` on the contents of the regular file at `path`, mapped read-only: the kernel pages them in as
    /// `body` reads them, so a large file costs address space, not memory.
    public static func withMapped<Result>(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let (descriptor, size) = try open(path)
        defer { close(descriptor) }
        guard size > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw SupermaskError(file: path, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        defer { munmap(mapping, size) }
        return try body(UnsafeRawBufferPointer(start: mapping, count: size))
    }

    /// The first `count` bytes (fewer if the file is shorter) of the regular file at `path`, or `nil` when it is
    /// not one or cannot be read: for telling formats apart by their magic numbers.
    public static func prefix(_ path: String, count: Int) -> [UInt8]? {
        guard let (descriptor, _) = try? open(path) else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
        guard read >= 0 else { return nil }
        return Array(bytes.prefix(read))
    }
}
