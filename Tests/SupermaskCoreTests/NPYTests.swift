import Foundation
import Testing
@testable import SupermaskCore

@Suite struct NPYTests {
    private func header(_ text: String, version: UInt8 = 1) -> [UInt8] {
        var dict = Array(text.utf8)
        let prefix = version == 1 ? 10 : 12
        while (prefix + dict.count + 1) % 64 != 0 { dict.append(0x20) }
        dict.append(0x0A)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        if version == 1 {
            bytes += [UInt8(dict.count & 0xFF), UInt8(dict.count >> 8)]
        } else {
            bytes += [UInt8(dict.count & 0xFF), UInt8(dict.count >> 8), 0, 0]
        }
        return bytes + dict
    }

    private func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian, Array.init) }
    }

    @Test func roundTripsThroughAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID()).npy").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tensor = Tensor(shape: [2, 3], scalars: [1, -2.5, 3e-8, .greatestFiniteMagnitude, 0, -0])
        try NPY.write(tensor, to: path)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect((bytes.count - 24) % 64 == 0, "header padded to a multiple of 64 bytes")
        #expect(try NPY.read(contentsOf: path) == tensor)
    }

    @Test func readsVersion2AndFloat64() throws {
        let values: [Double] = [0.5, -1.25, 1e300]
        let bytes = header("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", version: 2)
            + littleEndian(values.map(\.bitPattern))
        let tensor = try NPY.parse(bytes)
        #expect(tensor.shape == [3])
        #expect(tensor.scalars == [0.5, -1.25, .infinity])
    }

    @Test func readsScalarShapes() throws {
        let bytes = header("{'descr': '<f4', 'fortran_order': False, 'shape': (), }") + littleEndian([Float(2).bitPattern])
        #expect(try NPY.parse(bytes) == Tensor(shape: [], scalars: [2]))
    }

    @Test(arguments: [
        ("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", "dtype is '<i8'"),
        ("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "dtype is '>f4'"),
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", "Fortran order"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }", "truncated"),
        ("{'descr': '<f4', 'fortran_order': False, }", "no 'shape'"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }", "too large"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }", "too large"),
        ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "not a simple dtype"),
    ])
    func refusesWhatItCannotRead(text: String, expected: String) {
        let bytes = header(text) + [0, 0, 0, 0]
        #expect {
            try NPY.parse(bytes)
        } throws: { error in
            (error as? SupermaskError)?.message.contains(expected) == true
        }
    }

    @Test func refusesNonNPYAndNamesTheFile() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID()).npy").path
        FileManager.default.createFile(atPath: path, contents: Data("hello, world".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: SupermaskError(file: path, "not an .npy file (no \\x93NUMPY magic)")) {
            try NPY.read(contentsOf: path)
        }
        #expect(throws: SupermaskError.self) { try NPY.read(contentsOf: path + ".missing") }
    }
}
