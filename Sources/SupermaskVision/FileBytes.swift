import Foundation
import SupermaskCore

/// Reading input files with one-line errors, only regular files (a FIFO or a device named like an image would
/// block or never end), and without copying large files into memory.
enum FileBytes {
    /// The largest text file (a labels or synset list) read whole: ILSVRC2012's labels take 2 MB.
    static let largestTextFile = 256 << 20

    /// The bytes of the regular file at `path`, which may hold at most `limit` bytes.
    static func read(_ path: String, limit: Int = largestTextFile) throws -> [UInt8] {
        try withMappedFile(path) { raw in
            guard raw.count <= limit else {
                throw SupermaskError(file: path, "\(raw.count) bytes, more than the \(limit) a file of this kind may hold")
            }
            return [UInt8](raw)
        }
    }

    /// Runs `body` on the contents of the regular file at `path`, mapped read-only: the kernel pages them in as
    /// the decoder reads them, so a large file costs address space, not memory.
    static func withMappedFile<Result>(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw SupermaskError(file: path, "cannot open the file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SupermaskError(file: path, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw SupermaskError(file: path, "a directory, not a file") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw SupermaskError(file: path, "not a regular file") }
        let size = Int(status.st_size)
        guard size > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw SupermaskError(file: path, "cannot read the file: \(String(cString: strerror(errno)))")
        }
        defer { munmap(mapping, size) }
        return try body(UnsafeRawBufferPointer(start: mapping, count: size))
    }
}
