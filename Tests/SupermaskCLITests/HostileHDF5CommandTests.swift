import Foundation
import SupermaskTestSupport
import Testing

/// Crafted `.h5` files (Tests/Fixtures/hostile-hdf5, made by tools/make_hdf5_hostile_fixtures.py) through the
/// `supermask` executable, whose libhdf5 runs in its child process: one line naming the file and exit status 1 for
/// every one, a libhdf5 crash included, and nothing of a file outside the input ever read.
@Suite struct HostileHDF5CommandTests {
    static func fixture(_ name: String) -> String { CommandRunner.fixture("hostile-hdf5/\(name)") }

    /// A fresh directory to run in, holding a copy of each fixture in `copies`; removed by the caller.
    private func workingDirectory(copying copies: [String] = []) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-hostile-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in copies {
            try FileManager.default.copyItem(atPath: Self.fixture(name), toPath: directory.appendingPathComponent(name).path)
        }
        return directory
    }

    private func expectOneLine(_ result: CommandRunner.Result, _ line: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, sourceLocation: sourceLocation)
        #expect(result.standardError == "supermask: error: \(line)\n", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        ("crash-attribute-table.h5", "malformed HDF5 file (the HDF5 library failed while reading it)"),
        ("external-storage.h5", "dataset /state_dict/b.weight stores its data in external files; refused"),
        ("external-link.h5", "/state_dict/b.weight is an external link to another file; refused"),
        ("soft-link.h5", "/state_dict/b.weight is a soft link; refused"),
        ("virtual.h5", "dataset /state_dict/a.weight is a virtual dataset (its data lives in other files); refused"),
        ("huge-dimension.h5", "cannot open dataset /state_dict/a.weight (corrupt file)"),
        ("overflowing-shape.h5", "dataset /state_dict/a.weight has shape [4294967296, 4294967296, 16]: more than 67108864 elements; refused"),
        ("layout-version-2.h5", "layout_version 2 is not one this supermask reads (1)"),
    ])
    func aCraftedFileIsOneLine(name: String, message: String) throws {
        let path = Self.fixture(name)
        expectOneLine(try CommandRunner.run("inspect", path), "\(path): \(message)")
    }

    /// The regression file really crashes libhdf5 1.10 (Debian 12's): the child, run by hand, dies by SIGSEGV.
    @Test func theCrasherKillsTheChildProcess() throws {
        let child = Process()
        child.executableURL = CommandRunner.productsDirectory.appendingPathComponent("supermask")
        child.arguments = ["read-hdf5-child"]
        child.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: Self.fixture("crash-attribute-table.h5")))
        child.standardOutput = Pipe()
        child.standardError = FileHandle.nullDevice
        child.environment = ["SWIFT_BACKTRACE": "enable=no"]
        try child.run()
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(child.terminationStatus == SIGSEGV)
    }

    /// Without the refusal, `export` would embed the external file's bytes in the container (it did).
    @Test func exportRefusesExternalStorageAndWritesNothing() throws {
        let directory = try workingDirectory(copying: ["fc-external.h5"])
        defer { try? FileManager.default.removeItem(at: directory) }
        // Finite floats in the external file's 2,129,600 bytes, so nothing but the refusal stops the export.
        let values = (0..<532_400).map { Float($0 % 1000) / 1000 + 0.001 }
        try values.withUnsafeBytes { Data($0) }.write(to: directory.appendingPathComponent("fc-external.bin"))
        let result = try CommandRunner.run(["export", "fc-external.h5", "-o", "out.smask"], currentDirectory: directory)
        expectOneLine(result, "fc-external.h5: dataset /state_dict/linear.0.scores stores its data in external files; refused")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.smask").path))
    }

    @Test func nothingOfAnExternalFileIsShown() throws {
        let directory = try workingDirectory(copying: ["external-storage.h5"])
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("root:x:0:0:SECRET:/root:/bin/sh\n".utf8).write(to: directory.appendingPathComponent("supermask-external.bin"))
        let result = try CommandRunner.run(["inspect", "external-storage.h5"], currentDirectory: directory)
        expectOneLine(result, "external-storage.h5: dataset /state_dict/b.weight stores its data in external files; refused")
        #expect(!result.standardOutput.contains("SECRET") && !result.standardError.contains("SECRET"))
    }

    /// A FIFO or /dev/stdin as external storage would block a reader forever; the refusal comes before any read.
    @Test func externalFIFOAndStandardInputDoNotHang() throws {
        let directory = try workingDirectory(copying: ["external-fifo.h5", "external-stdin.h5"])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(mkfifo(directory.appendingPathComponent("supermask-fifo").path, 0o600) == 0)
        let started = ContinuousClock.now
        for name in ["external-fifo.h5", "external-stdin.h5"] {
            let result = try CommandRunner.run(["inspect", name], currentDirectory: directory)
            expectOneLine(result, "\(name): dataset /state_dict/a.weight stores its data in external files; refused")
        }
        #expect(ContinuousClock.now - started < .seconds(15))
    }
}
