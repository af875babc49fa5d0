import Foundation
import Testing

@testable import SupermaskCore

/// Input files are opened without blocking and only when regular: a FIFO named like a model must not hang a reader.
@Suite struct RegularFileTests {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("supermask-regular-\(UUID())-\(name)").path
    }

    @Test func aFIFOADirectoryAndAMissingFileAreRefusedWithoutBlocking() throws {
        let fifo = temporaryPath("model.smask")
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        #expect(throws: SupermaskError(file: fifo, "not a regular file")) { try RegularFile.read(fifo, limit: 10) }
        #expect(RegularFile.prefix(fifo, count: 8) == nil)
        #expect(throws: SupermaskError(file: fifo, "not a regular file")) { _ = try NPY.read(contentsOf: fifo) }
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: SupermaskError(file: directory, "a directory, not a file")) { try RegularFile.read(directory, limit: 10) }
        let missing = temporaryPath("missing.npy")
        #expect(throws: SupermaskError(file: missing, "no such file")) { _ = try NPY.read(contentsOf: missing) }
    }

    @Test func aFileLargerThanItsKindMayBeIsRefusedBeforeItIsRead() throws {
        let path = temporaryPath("big.json")
        try Data(repeating: 0x20, count: 100).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        #expect(throws: SupermaskError(file: path, "100 bytes, more than the 99 a manifest may hold")) {
            try RegularFile.read(path, limit: 99, what: "a manifest")
        }
        #expect(try RegularFile.read(path, limit: 100).count == 100)
        #expect(RegularFile.prefix(path, count: 8) == [UInt8](repeating: 0x20, count: 8))
        #expect(try SHA256.hexDigest(ofFile: path).count == 64)
    }
}
