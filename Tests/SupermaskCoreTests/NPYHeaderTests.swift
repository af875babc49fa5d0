import Foundation
import Testing
@testable import SupermaskCore

/// Hostile `.npy` headers: anything numpy would read as another array (or refuse) is refused, with the reason, and
/// before the data is read; every form numpy writes or accepts unambiguously still reads.
@Suite struct NPYHeaderTests {
    /// A version-`major` file: magic, version, the header padded to 64 bytes, then `data`.
    private func file(_ header: String, major: UInt8 = 1, data: [UInt8] = []) -> [UInt8] {
        var text = Array(header.utf8)
        let prefix = major == 1 ? 10 : 12
        while (prefix + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        let length = text.count
        bytes += major == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)] : [UInt8(length & 0xFF), UInt8(length >> 8), 0, 0]
        return bytes + text + data
    }

    private func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
    }

    private func message(_ bytes: [UInt8], maximum: Int = NPY.defaultMaximumElementCount) -> String? {
        do {
            _ = try NPY.parse(bytes, maximumElementCount: maximum)
            return nil
        } catch {
            return (error as? SupermaskError)?.message
        }
    }

    /// The case of the issue: numpy reads the last `shape` (2, 2); a first-wins reader saw (4,) — the same bytes,
    /// other logits.
    @Test func duplicateKeysAreRefused() {
        let bytes = file("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'shape': (2, 2), }", data: floats([1, 2, 3, 4]))
        #expect(message(bytes) == "malformed .npy header: the key 'shape' appears twice (numpy would read the last one; supermask refuses the ambiguity)")
        let descr = file("{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: floats([1, 2]))
        #expect(message(descr)?.contains("the key 'descr' appears twice") == true)
    }

    @Test(arguments: [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1, }", "unexpected key 'extra'"),
        ("{'descr': '<f4', 'shape': (1,), }", "no 'fortran_order'"),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", "the value of 'fortran_order' is not a string, True, False or a tuple"),
        ("{'descr': '<f4', 'fortran_order': 'False', 'shape': (1,), }", "fortran_order is not True or False"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1), }", "shape is not a tuple"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", "the value of 'shape' is not a string, True, False or a tuple"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (01,), }", "a shape entry has a leading zero"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1.0,), }", "expected ')'"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "a shape entry is too large"),
        ("{'descr': '<f4' '<f8', 'fortran_order': False, 'shape': (1,), }", "expected '}'"),
        ("{'descr': '<\\x66\\x34', 'fortran_order': False, 'shape': (1,), }", "a string holds an escape"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } # comment", "text after the dict"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }}", "text after the dict"),
        ("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (1,), }", "not a string, True, False or a tuple"),
        ("['descr', '<f4']", "expected '{'"),
        ("{'descr': 'f4', 'fortran_order': False, 'shape': (1,), }", "array dtype is 'f4'"),
        ("{'descr': '<f4 ', 'fortran_order': False, 'shape': (1,), }", "array dtype is '<f4 '"),
        ("{'descr': '<F4', 'fortran_order': False, 'shape': (1,), }", "array dtype is '<F4'"),
    ])
    func malformedHeadersAreRefusedWithTheReason(header: String, expected: String) {
        let refusal = message(file(header, data: floats([1, 2])))
        #expect(refusal?.contains(expected) == true, "\(refusal ?? "accepted")")
    }

    @Test func sizesAreBoundedBeforeAnyDataIsRead() {
        // numpy's header limit: a 20,000-byte version-2 header is refused without being parsed.
        let long = file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" + String(repeating: " ", count: 20_000), major: 2)
        #expect(message(long)?.hasPrefix("the .npy header claims 200") == true)
        #expect(message(long)?.hasSuffix("bytes, more than numpy's limit of 10000") == true)
        let rank = "(" + String(repeating: "1, ", count: 33) + ")"
        #expect(message(file("{'descr': '<f4', 'fortran_order': False, 'shape': \(rank), }"))
            == "malformed .npy header: shape has more than 32 dimensions")
        // 2²⁸ + 1 elements claimed by a file of 128 bytes: refused from the header alone.
        let huge = file("{'descr': '<f4', 'fortran_order': False, 'shape': (268435457,), }")
        #expect(message(huge) == "array shape [268435457] holds 268435457 elements, more than the 268435456 supermask accepts (--max-batch-activations raises the limit)")
        #expect(message(file("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", data: floats([1, 2, 3, 4, 5])), maximum: 4)?
            .contains("holds 5 elements, more than the 4") == true)
        let overflow = file("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }")
        #expect(message(overflow) == "array shape [4294967296, 4294967296] is negative or too large")
        var minor = file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: floats([1]))
        minor[7] = 1
        #expect(message(minor) == "unsupported .npy format version 1.1")
    }

    /// What numpy writes, and the variations its literal parser reads the same way.
    @Test(arguments: [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 2)}",
        "{'shape': (2,2,),'fortran_order':False,'descr':'<f4'}",
        "{\n  'descr': '<f4',\n  'fortran_order': False,\n  'shape': ( 2 , 2 ) ,\n}",
    ])
    func equivalentHeadersReadTheSameArray(header: String) throws {
        for major: UInt8 in [1, 3] {
            let tensor = try NPY.parse(file(header, major: major, data: floats([1, -2, 3.5, 0])))
            #expect(tensor == Tensor(shape: [2, 2], scalars: [1, -2, 3.5, 0]))
        }
        #expect(try NPY.parse(file("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }")).shape == [0, 5])
    }

    @Test func readingAFileChecksTheHeaderBeforeTheData() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID()).npy").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(
            atPath: path, contents: Data(file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data: floats([1, 2, 3, 9]))))
        #expect(try NPY.read(contentsOf: path) == Tensor(shape: [3], scalars: [1, 2, 3]))
        #expect(throws: SupermaskError(file: path, "array shape [3] holds 3 elements, more than the 2 supermask accepts (--max-batch-activations raises the limit)")) {
            try NPY.read(contentsOf: path, maximumElementCount: 2)
        }
        FileManager.default.createFile(
            atPath: path, contents: Data(file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'shape': (2,)}", data: floats([1, 2, 3]))))
        #expect(throws: SupermaskError.self) { try NPY.read(contentsOf: path) }
        let directory = FileManager.default.temporaryDirectory.path
        #expect {
            try NPY.read(contentsOf: directory)
        } throws: { error in
            (error as? SupermaskError)?.file == directory && (error as? SupermaskError)?.message == "a directory, not a file"
        }
    }
}
