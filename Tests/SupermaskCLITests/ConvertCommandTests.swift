import Foundation
import SupermaskTestSupport
import Testing

/// `supermask convert` between .smask and .h5, lossless both ways.
@Suite struct ConvertCommandTests {
    private func temporary(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("supermask-convert-\(UUID())\(suffix)").path
    }

    @Test(arguments: ["fc-usc.smask", "fc-ukn.smask", "fc-dense.smask"])
    func aContainerSurvivesTheRoundTripThroughH5ByteForByte(bundled: String) throws {
        let original = CommandRunner.repositoryFile("models/mnist/\(bundled)")
        let checkpoint = temporary(".h5"), container = temporary(".smask")
        defer { for path in [checkpoint, container] { try? FileManager.default.removeItem(atPath: path) } }
        let toH5 = try CommandRunner.run("convert", original, "-o", checkpoint)
        #expect(toH5.status == 0, "\(toH5.standardError)")
        #expect(toH5.standardOutput.hasPrefix("wrote \(checkpoint): FC, "))
        let back = try CommandRunner.run("convert", checkpoint, "-o", container)
        #expect(back.status == 0, "\(back.standardError)")
        #expect(FileManager.default.contents(atPath: container) == FileManager.default.contents(atPath: original))
    }

    @Test func aCheckpointBecomesAContainerWithTheSameLogits() throws {
        let container = temporary(".smask"), checkpoint = temporary(".h5")
        defer { for path in [container, checkpoint] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(try CommandRunner.run("convert", CommandRunner.fixture("fc.h5"), "-o", container).status == 0)
        #expect(try CommandRunner.run("convert", container, "-o", checkpoint).status == 0)
        var outputs: [Data] = []
        for model in [CommandRunner.fixture("fc.h5"), container, checkpoint] {
            let logits = temporary(".npy")
            defer { try? FileManager.default.removeItem(atPath: logits) }
            let infer = try CommandRunner.run("infer", model, "--input", CommandRunner.fixture("fc.input.npy"), "--output", logits)
            #expect(infer.status == 0, "\(infer.standardError)")
            outputs.append(try #require(FileManager.default.contents(atPath: logits)))
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
    }

    @Test func anUnknownOutputFormatIsOneLine() throws {
        let result = try CommandRunner.run("convert", CommandRunner.fixture("fc.h5"), "-o", "model.onnx2")
        #expect(result.status == 1)
        #expect(result.standardError == "supermask: error: model.onnx2: unknown output format; name the file OUT.h5, OUT.smask or OUT.onnx\n")
    }
}
