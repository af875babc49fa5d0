import Foundation
import FuzzSupport
import SupermaskCore
import SupermaskHDF5

/// The architecture of the seed Tests/Fixtures/tiny-conv4.h5, which the catalogue lacks: given as an override (as
/// `--arch` would give a catalogue one), it lets mutants of that small seed reach the parameter checks and the mask
/// computation instead of stopping at "unknown architecture".
let tinyConv4 = Architecture.frankleConv(name: "tiny-conv4", convolutionWidths: [4, 4, 8, 8], hidden: 16, classCount: 10)

/// libhdf5's `H5close`, looked up at run time (the library is linked through the main package's module, which this
/// package cannot import): it frees the library's global state — free lists, caches, the open-object table — so
/// that each input starts from a fresh library, as in the child process that reads one file and exits.
let closeLibrary: @convention(c) () -> Int32 = {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "H5close") else {
        fatalError("fuzz harness: libhdf5's H5close is not in the process")
    }
    return unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
}()

/// The reader of converted checkpoints: what the child process runs once libhdf5 is isolated (issue 10).
/// Its body is the one line to change when the child side gets its own parse function.
func parseCheckpoint(_ path: String, _ options: CheckpointImporter.Options) throws {
    _ = try CheckpointImporter.load(path: path, options: options)
}

/// One `.h5` file, written to a scratch file because libhdf5 opens files by name, read as the commands read it
/// (architecture from the file) and, when that fails, with the tiny-conv4 architecture given.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = ScratchDirectory.write(fuzzBytes(data, size), as: "input.h5")
    do {
        try parseCheckpoint(path, CheckpointImporter.Options())
    } catch {
        _ = try? parseCheckpoint(path, CheckpointImporter.Options(architecture: tinyConv4))
    }
    _ = closeLibrary()
    return 0
}
