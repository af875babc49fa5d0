import CHDF5
import Foundation
import Testing
@testable import SupermaskCore
@testable import SupermaskHDF5

/// The reader's structural checks on crafted files (Tests/Fixtures/hostile-hdf5, made by
/// tools/make_hdf5_hostile_fixtures.py, and files built here past each of `HDF5Limits`): every one is refused with one
/// error naming the file, before libhdf5 follows a link, opens another file or reads a byte of data.
///
/// These run libhdf5 in the test process (`HDF5Isolation.inProcess`); the crasher among the fixtures is only ever
/// read through the `supermask` executable's child process (SupermaskCLITests).
@Suite struct HostileFileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/hostile-hdf5")

    @Test(arguments: [
        ("external-storage.h5", "dataset /state_dict/b.weight stores its data in external files; refused"),
        ("fc-external.h5", "dataset /state_dict/linear.0.scores stores its data in external files; refused"),
        ("external-stdin.h5", "dataset /state_dict/a.weight stores its data in external files; refused"),
        ("external-fifo.h5", "dataset /state_dict/a.weight stores its data in external files; refused"),
        ("soft-link.h5", "/state_dict/b.weight is a soft link; refused"),
        ("external-link.h5", "/state_dict/b.weight is an external link to another file; refused"),
        ("soft-link-state-dict.h5", "/state_dict is a soft link; refused"),
        ("virtual.h5", "dataset /state_dict/a.weight is a virtual dataset (its data lives in other files); refused"),
        ("compressed.h5", "dataset /state_dict/a.weight is compressed or filtered; the layout stores tensors unfiltered (docs/hdf5-layout.md)"),
        ("empty-dataspace.h5", "dataset /state_dict/a.weight has no dataspace (an empty dataset); refused"),
        ("huge-dimension.h5", "cannot open dataset /state_dict/a.weight (corrupt file)"),
        ("overflowing-shape.h5", "dataset /state_dict/a.weight has shape [4294967296, 4294967296, 16]: more than 67108864 elements; refused"),
        ("rank-9.h5", "dataset /state_dict/a.weight has 9 dimensions; at most 8 are read"),
        ("unallocated.h5", "dataset /state_dict/a.weight stores fewer bytes than its shape needs (4000000); refused"),
        ("no-layout.h5", "no layout attribute: not a checkpoint written by tools/pth2h5.py (docs/hdf5-layout.md)"),
        ("other-layout.h5", "the layout attribute is 'something-else', not 'supermask-state-dict'"),
        ("layout-version-2.h5", "layout_version 2 is not one this supermask reads (1)"),
    ])
    func refusesTheCraftedFile(name: String, message: String) throws {
        let path = Self.fixtures.appendingPathComponent(name).path
        #expect(throws: SupermaskError(file: path, message)) { try CheckpointImporter.load(path: path) }
        #expect(throws: SupermaskError(file: path, message)) { try HDF5StateDictReader.read(path: path) }
    }

    /// Writes `checkpoint`, then applies `change` to the file with libhdf5, and expects `message`.
    private func expectRefusal(
        _ checkpoint: TestCheckpoint, _ message: String, change: (hid_t) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let path = try checkpoint.write(to: temporaryPath())
        defer { try? FileManager.default.removeItem(atPath: path) }
        HDF5Library.withLock {
            let file = H5Fopen(path, h5shim_acc_rdwr(), hid_t(H5P_DEFAULT))
            change(file)
            H5Fclose(file)
        }
        #expect(throws: SupermaskError(file: path, message), sourceLocation: sourceLocation) {
            try HDF5StateDictReader.read(path: path)
        }
    }

    private static func tiny() -> TestCheckpoint {
        var checkpoint = TestCheckpoint(architecture: .named("FC")!, keep: 0.5)
        checkpoint.tensors = [("a.weight", .float32(shape: [2], values: [1, 2]))]
        return checkpoint
    }

    @Test func refusesMoreTensorsThanTheLimit() throws {
        var checkpoint = Self.tiny()
        checkpoint.tensors = (0...HDF5Limits.maxTensors).map { ("t\($0)", .int64(shape: [], values: [0])) }
        try expectRefusal(checkpoint, "group /state_dict has 4097 members; at most 4096 are read")
    }

    @Test func refusesMoreRootAttributesThanTheLimit() throws {
        var checkpoint = Self.tiny()
        checkpoint.attributes = (0..<HDF5Limits.maxRootAttributes).map { ("a\($0)", .integer(Int64($0))) }
        // With `layout` and `layout_version`, two over.
        try expectRefusal(checkpoint, "the root group has 1026 attributes; at most 1024 are read")
    }

    @Test func refusesLongNames() throws {
        let long = String(repeating: "n", count: HDF5Limits.maxNameBytes + 1)
        var checkpoint = Self.tiny()
        checkpoint.tensors.append((long, .float32(shape: [1], values: [1])))
        try expectRefusal(checkpoint, "group /state_dict: a member's name is longer than 1024 bytes")
        checkpoint = Self.tiny()
        checkpoint.attributes.append((long, .integer(1)))
        try expectRefusal(checkpoint, "an attribute name is 1025 bytes long; at most 1024 are read")
    }

    @Test func refusesLongStringAttributes() throws {
        var checkpoint = Self.tiny()
        checkpoint.variableLengthStrings = [("notes", String(repeating: "t", count: HDF5Limits.maxTextBytes + 1))]
        try expectRefusal(checkpoint, "the attribute notes is longer than 65536 bytes")
        checkpoint.variableLengthStrings = [("notes", String(repeating: "t", count: HDF5Limits.maxTextBytes))]
        let path = try checkpoint.write(to: temporaryPath())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try HDF5StateDictReader.read(path: path).attributes.contains { $0.key == "notes" && $0.value.description.count == 65_536 })
    }

    /// 30,000 invalid bytes decode to 30,000 replacement characters, 90,000 bytes of UTF-8: past the limit the
    /// parent applies to what the child sends, so the reader refuses it rather than send it.
    @Test func refusesAStringThatOutgrowsTheLimitWhenDecoded() throws {
        try expectRefusal(Self.tiny(), "the attribute notes is longer than 65536 bytes") { file in
            let bytes = [UInt8](repeating: 0xFF, count: 30_000)
            let type = H5Tcopy(h5shim_c_s1())
            H5Tset_size(type, bytes.count)
            let space = H5Screate(H5S_SCALAR)
            let attribute = H5Acreate2(file, "notes", type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            H5Awrite(attribute, type, bytes)
            H5Aclose(attribute)
            H5Sclose(space)
            H5Tclose(type)
        }
    }

    @Test func refusesAMemberThatIsNotADataset() throws {
        try expectRefusal(Self.tiny(), "/state_dict/b.weight is not a dataset") { file in
            let group = H5Gcreate2(file, "state_dict/b.weight", hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            H5Gclose(group)
        }
    }

    @Test func refusesAStateDictThatIsNotAGroup() throws {
        try expectRefusal(Self.tiny(), "/state_dict is not a group") { file in
            H5Lmove(file, "state_dict/a.weight", file, "moved", hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            H5Ldelete(file, "state_dict", hid_t(H5P_DEFAULT))
            H5Lmove(file, "moved", file, "state_dict", hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        }
    }

    @Test func readsTheTensorsOfAValidFile() throws {
        var checkpoint = Self.tiny()
        checkpoint.tensors.append(("a.count", .int64(shape: [], values: [3])))
        checkpoint.tensors.append(("a.empty", .float32(shape: [0, 3], values: [])))
        let path = try checkpoint.write(to: temporaryPath())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stateDict = try HDF5StateDictReader.read(path: path)
        #expect(stateDict.tensors["a.weight"] == HDF5Tensor(shape: [2], elementType: .float(bytes: 4), floats: [1, 2]))
        #expect(stateDict.tensors["a.count"] == HDF5Tensor(shape: [], elementType: .integer(bytes: 8)))
        #expect(stateDict.tensors["a.empty"] == HDF5Tensor(shape: [0, 3], elementType: .float(bytes: 4), floats: []))
        #expect(stateDict.attributes.map(\.key) == ["arch", "keep", "layout", "layout_version"])
    }
}
