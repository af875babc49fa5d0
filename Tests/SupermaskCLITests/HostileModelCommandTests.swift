import Foundation
import SupermaskTestSupport
import Testing

/// Hostile models, batches and option values through the `supermask` command: one line on stderr naming the file
/// (or the option) and a failing exit status, never a crash; the limit flags raise what the defaults refuse.
@Suite struct HostileModelCommandTests {
    private func temporary(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("supermask-hostile-\(UUID())\(suffix)").path
    }

    /// Exit status 1 and exactly one line, `supermask: error: <expected>`.
    private func expectOneLineError(_ result: CommandRunner.Result, _ expected: String,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, sourceLocation: sourceLocation)
        #expect(result.standardError == "supermask: error: \(expected)\n", sourceLocation: sourceLocation)
    }

    /// CRC-32 (zlib's, reflected 0xEDB88320), to re-seal a section after changing its payload.
    private func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// `fc.h5` exported as an fp32 container whose first convolution's last kept weight is then set to NaN, the
    /// section's CRC recomputed (docs/format.md §5: the weights block ends the CONV payload).
    private func containerWithANaNWeight() throws -> String {
        let path = temporary(".smask")
        let export = try CommandRunner.run("export", CommandRunner.fixture("fc.h5"), "--weights", "fp32", "-o", path)
        #expect(export.status == 0, "\(export.standardError)")
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        var offset = 28
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        // Sections 0 (ARCH) and 1 (META) come first; section 2 is the first convolution.
        for _ in 0..<2 { offset += 16 + u64(offset + 8) + 4 }
        let payloadEnd = offset + 16 + u64(offset + 8)
        for (index, byte) in withUnsafeBytes(of: Float.nan.bitPattern.littleEndian, Array.init).enumerated() {
            bytes[payloadEnd - 4 + index] = byte
        }
        let crc = crc32(bytes[offset..<payloadEnd])
        for index in 0..<4 { bytes[payloadEnd + index] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(index))) }
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test func aContainerWithANaNWeightIsRefusedByEveryCommand() throws {
        let container = try containerWithANaNWeight()
        defer { try? FileManager.default.removeItem(atPath: container) }
        let output = temporary(".npy")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let infer = try CommandRunner.run("infer", container, "--input", CommandRunner.fixture("fc.input.npy"), "--output", output)
        // The last kept weight of linear.0 (300 × 784 weights, half of them kept).
        let refusal = try #require(infer.standardError.firstMatch(of: /holds nan at flat index (\d+);/))
        let index = try #require(Int(refusal.1))
        #expect(index > 200_000 && index < 235_200)
        expectOneLineError(infer, "\(container): convolution 'linear.0' holds nan at flat index \(index); weights must be finite")
        #expect(!FileManager.default.fileExists(atPath: output))
        let inspect = try CommandRunner.run("inspect", container)
        expectOneLineError(inspect, "\(container): convolution 'linear.0' holds nan at flat index \(index); weights must be finite")
    }

    @Test func theLimitFlagsRefuseAndRaise() throws {
        let model = CommandRunner.fixture("fc.h5")
        expectOneLineError(try CommandRunner.run("inspect", model, "--max-weights", "1000"),
                           "\(model): the network has 266200 weights, more than the 1000 supermask accepts (--max-weights raises the limit)")
        let container = temporary(".smask")
        defer { try? FileManager.default.removeItem(atPath: container) }
        #expect(try CommandRunner.run("export", model, "-o", container).status == 0)
        expectOneLineError(try CommandRunner.run("size", container, "--max-multiply-adds", "1000"),
                           "\(container): section 0 (architecture): at input 1×28×28 one image costs 266200 multiply-adds, more than the 1000 supermask accepts (--max-multiply-adds raises the limit)")
        // The input batch is bounded too: two FC images hold 2 × 784 values, beyond a limit of 1000.
        let output = temporary(".npy")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let input = CommandRunner.fixture("fc.input.npy")
        expectOneLineError(try CommandRunner.run("infer", model, "--input", input, "--output", output, "--max-batch-activations", "1000"),
                           "\(input): array shape [2, 1, 28, 28] holds 1568 elements, more than the 1000 supermask accepts (--max-batch-activations raises the limit)")
        // Two threads hold two images at once, the same as the batch.
        let raised = try CommandRunner.run(
            "infer", model, "--input", input, "--output", output, "--max-batch-activations", "1568", "--threads", "2")
        #expect(raised.status == 0, "\(raised.standardError)")
        let bench = try CommandRunner.run("bench", model, "--batch-size", "3", "--runs", "1", "--max-batch-activations", "2000")
        expectOneLineError(bench, "\(model): a batch of 3 images at input 1×28×28 hold 3 × 784 activation values at once, more than the 2000 supermask accepts (--max-batch-activations raises the limit)")
    }

    /// Option values far beyond any use are refused by name instead of trapping or hanging.
    @Test(arguments: [
        (["infer", "fc.h5", "--input", "fc.input.npy", "--output", "OUT", "--threads", "100000"], "--threads must be in 1…256, not 100000"),
        (["infer", "fc.h5", "--input", "fc.input.npy", "--output", "OUT", "--threads", "0"], "--threads must be in 1…256, not 0"),
        (["bench", "fc.h5", "--threads", "1,9223372036854775807"], "--threads must be in 1…256, not 9223372036854775807"),
        (["bench", "fc.h5", "--batch-size", "1,70000"], "--batch-size must be in 1…65536, not 70000"),
        (["bench", "fc.h5", "--runs", "100000000"], "--runs must be in 1…10000"),
        (["eval", "fc.h5", "--data", "DIR", "--batch-size", "1000000000000"], "--batch-size must be in 1…1024, not 1000000000000"),
        (["eval", "fc.h5", "--data", "DIR", "--decode-threads", "5000"], "--workers must be in 1…64, not 5000"),
        (["eval", "fc.h5", "--data", "DIR", "-j", "0"], "--workers must be in 1…64, not 0"),
        (["eval", "fc.h5", "--data", "DIR", "-b", "0"], "--batch-size must be in 1…1024, not 0"),
        (["inspect", "fc.h5", "--max-weights", "0"], "the limit on weights is 0; it must be in 1…281474976710656"),
        (["inspect", "fc.h5", "--max-activations", "281474976710657"], "the limit on image activations is 281474976710657"),
    ])
    func outlandishOptionValuesAreRefusedByName(arguments: [String], expected: String) throws {
        let resolved = arguments.map { $0.hasSuffix(".h5") || $0.hasSuffix(".npy") ? CommandRunner.fixture($0) : $0 }
        let result = try CommandRunner.run(resolved)
        #expect(result.status != 0)
        #expect(result.standardError.hasPrefix("Error: \(expected)"), "\(result.standardError)")
    }

    /// numpy reads the last of duplicate keys; the same bytes must not give other logits here.
    @Test func anNPYWithDuplicateKeysIsRefused() throws {
        let input = temporary(".npy")
        defer { try? FileManager.default.removeItem(atPath: input) }
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 28, 28), 'shape': (1, 784, 1, 1), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        bytes += [UInt8](repeating: 0, count: 4 * 784)
        FileManager.default.createFile(atPath: input, contents: Data(bytes))
        let result = try CommandRunner.run("infer", CommandRunner.fixture("fc.h5"), "--input", input, "--output", input + ".out")
        expectOneLineError(result, "\(input): malformed .npy header: the key 'shape' appears twice (numpy would read the last one; supermask refuses the ambiguity)")
    }
}
