import Foundation
import SupermaskTestSupport
import Testing

@Suite struct InferCommandTests {
    private func temporary(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("supermask-cli-\(UUID())\(suffix)").path
    }

    /// The float32 payload of a version-1 `.npy` file written by `supermask`.
    private func floats(inNPY path: String) throws -> [Float] {
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        return bytes.dropFirst(10 + headerLength).withUnsafeBytes { raw in
            (0..<raw.count / 4).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
        }
    }

    @Test func writesPyTorchsLogits() throws {
        let output = temporary(".npy")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try CommandRunner.run(
            "infer", CommandRunner.fixture("fc.h5"), "--input", CommandRunner.fixture("fc.input.npy"), "--output", output,
            "--threads", "2")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("wrote \(output): logits [2, 10] from FC"))
        let logits = try floats(inNPY: output)
        let expected = try floats(inNPY: CommandRunner.fixture("fc.logits.npy"))
        let largest = expected.map(\.magnitude).max() ?? 1
        try #require(logits.count == 20 && expected.count == 20)
        #expect(zip(logits, expected).allSatisfy { ($0 - $1).magnitude <= 1e-5 * largest })
    }

    /// `-o -` writes the .npy to standard output, byte for byte the file `-o FILE` writes, and the summary to
    /// standard error; a missing option is a usage error (64), a bad file a data error (1).
    @Test func dashWritesToStandardOutput() throws {
        let output = temporary(".npy")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let model = CommandRunner.fixture("fc.h5"), input = CommandRunner.fixture("fc.input.npy")
        let toFile = try CommandRunner.run("infer", model, "-i", input, "-o", output)
        #expect(toFile.status == 0, "\(toFile.standardError)")
        let toStandardOutput = try CommandRunner.run("infer", model, "-i", input, "-o", "-")
        #expect(toStandardOutput.status == 0, "\(toStandardOutput.standardError)")
        #expect(toStandardOutput.standardOutputBytes == [UInt8](try #require(FileManager.default.contents(atPath: output))))
        #expect(toStandardOutput.standardError.hasPrefix("wrote standard output: logits [2, 10] from FC"))
        #expect(!FileManager.default.fileExists(atPath: "-"))

        #expect(try CommandRunner.run("infer", model, "-o", "-").status == 64)
        #expect(try CommandRunner.run("infer", model, "-i", CommandRunner.fixture("fc.json"), "-o", "-").status == 1)
    }

    /// Bad input: one line on stderr naming the file and the problem, exit status 1, never a crash.
    @Test(arguments: [
        (["infer", "missing.h5", "--input", "fc.input.npy", "--output", "OUT"], "missing.h5: no such file"),
        (["infer", "fc.json", "--input", "fc.input.npy", "--output", "OUT"], "fc.json: not an HDF5 file"),
        (["infer", "model.pth", "--input", "fc.input.npy", "--output", "OUT"], "model.pth: a PyTorch checkpoint; convert it first"),
        (["infer", "fc.h5", "--input", "fc.json", "--output", "OUT"], "fc.json: not an .npy file"),
        (["infer", "fc.h5", "--input", "tiny-conv2.input.npy", "--output", "OUT"], "tiny-conv2.input.npy: input shape [2, 3, 32, 32] does not fit FC"),
        (["infer", "tiny-resnet-basic.h5", "--input", "fc.input.npy", "--output", "OUT"], "tiny-resnet-basic.h5: unknown architecture 'tiny-resnet-basic'"),
        (["infer", "fc.h5", "--arch", "ResNet34", "--input", "fc.input.npy", "--output", "OUT"], "unknown architecture 'ResNet34'; known: ResNet18"),
        (["inspect", "fc.h5", "--keep", "0"], "keep fraction 0.0 is outside (0, 1]"),
        (["inspect", "fc.h5", "--keep", "1.5"], "keep fraction 1.5 is outside (0, 1]"),
    ])
    func badInputIsOneLineAndExitStatusOne(arguments: [String], expected: String) throws {
        let resolved = arguments.map { argument in
            argument.contains(".") && !argument.hasPrefix("-") && argument != "1.5" ? CommandRunner.fixture(argument) : argument
        }
        let process = try CommandRunner.run(resolved)
        #expect(process.status == 1)
        let lines = process.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(process.standardError)")
        #expect(process.standardError.hasPrefix("supermask: error: "))
        #expect(process.standardError.contains(expected), "\(process.standardError)")
    }

    @Test func refusesWrongRankAndNonFiniteInputs() throws {
        let input = temporary(".npy")
        defer { try? FileManager.default.removeItem(atPath: input) }
        func write(shape: String, floats: [Float]) {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
            for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
            _ = FileManager.default.createFile(atPath: input, contents: Data(bytes))
        }
        write(shape: "(784,)", floats: [Float](repeating: 0, count: 784))
        let rank = try CommandRunner.run("infer", CommandRunner.fixture("fc.h5"), "--input", input, "--output", input + ".out")
        #expect(rank.status == 1)
        #expect(rank.standardError == "supermask: error: \(input): input has rank 1 (shape [784]); FC takes a float32 NCHW batch of rank 4 such as [1, 1, 28, 28]\n")
        write(shape: "(1, 1, 28, 28)", floats: [Float](repeating: .nan, count: 784))
        let nan = try CommandRunner.run("infer", CommandRunner.fixture("fc.h5"), "--input", input, "--output", input + ".out")
        #expect(nan.status == 1)
        #expect(nan.standardError == "supermask: error: \(input): input holds nan at flat index 0; inputs must be finite\n")
    }
}
