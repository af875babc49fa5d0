import Foundation
import SupermaskTestSupport
import Testing

/// `supermask init`, `export` and `size`, and `.smask` files accepted wherever a model is.
@Suite struct FormatCommandTests {
    private func temporary(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("supermask-format-\(UUID())\(suffix)").path
    }

    @Test func exportedContainerGivesTheSameLogits() throws {
        let container = temporary(".smask")
        defer { try? FileManager.default.removeItem(atPath: container) }
        let export = try CommandRunner.run("export", CommandRunner.fixture("fc.h5"), "-o", container)
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardOutput.contains("weights as fp32 (lossless)"))
        var outputs: [Data] = []
        for model in [CommandRunner.fixture("fc.h5"), container] {
            let logits = temporary(".npy")
            defer { try? FileManager.default.removeItem(atPath: logits) }
            let infer = try CommandRunner.run("infer", model, "--input", CommandRunner.fixture("fc.input.npy"), "--output", logits)
            #expect(infer.status == 0, "\(infer.standardError)")
            outputs.append(try #require(FileManager.default.contents(atPath: logits)))
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test func initThenExportStoresOnlyTheSeed() throws {
        let checkpoint = temporary(".h5"), container = temporary(".smask"), chart = temporary(".svg")
        defer { for path in [checkpoint, container, chart] { try? FileManager.default.removeItem(atPath: path) } }
        let initialise = try CommandRunner.run("init", "--arch", "FC", "--init", "signed-constant", "--seed", "5", "-o", checkpoint)
        #expect(initialise.status == 0, "\(initialise.standardError)")
        #expect(initialise.standardOutput.contains("266,200 signed-constant weights from philox4x32-10/v1 seed 5"))
        let export = try CommandRunner.run("export", checkpoint, "-o", container)
        #expect(export.standardOutput.contains("weights as seed (lossless)"), "\(export.standardError)")
        let size = try CommandRunner.run("size", container, "--json", "--chart", chart)
        #expect(size.status == 0, "\(size.standardError)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(size.standardOutput.utf8)) as? [String: Any])
        #expect(document["weightMode"] as? String == "seed")
        #expect(document["weights"] as? Int == 266_200)
        let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: container)[.size] as? Int)
        #expect(document["containerBytes"] as? Int == fileSize)
        let svg = String(decoding: try #require(FileManager.default.contents(atPath: chart)), as: UTF8.self)
        #expect(svg.hasPrefix("<svg") && svg.contains("information bound"))
    }

    @Test func sizeTableAndComparison() throws {
        let single = try CommandRunner.run("size", CommandRunner.fixture("fc.h5"))
        #expect(single.status == 0)
        let lines = single.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("float32 weights + scores (released)") && $0.contains("2,129,600") && $0.contains("64.000") })
        #expect(lines.contains { $0.hasPrefix("mask + kept float32") && $0.contains("565,675") })
        #expect(lines.contains { $0.hasPrefix("bound = Σ log2 C(n, k) 266,178 + values 4,259,200") })
        let compare = try CommandRunner.run("size", "--compare", CommandRunner.fixture("fc.h5"), CommandRunner.fixture("fc.h5"))
        #expect(compare.status == 0)
        #expect(compare.standardOutput.split(separator: "\n").filter { $0.contains("fc.h5") && $0.contains("fp32") }.count == 2)
    }

    @Test func errorsAreOneLine() throws {
        let seed = try CommandRunner.run("export", CommandRunner.fixture("fc.h5"), "-o", temporary(".smask"), "--weights", "seed")
        #expect(seed.status == 1)
        #expect(seed.standardError.hasPrefix("supermask: error: \(CommandRunner.fixture("fc.h5")): --weights seed needs weights made by supermask's generator"))
        #expect(seed.standardError.contains("unknown seed"))
        let mode = try CommandRunner.run("export", CommandRunner.fixture("fc.h5"), "-o", temporary(".smask"), "--weights", "int8")
        #expect(mode.standardError == "supermask: error: unknown --weights 'int8'; use auto, seed, torch-seed, signed, fp32, fp16 or bf16\n")
        let initialisation = try CommandRunner.run("init", "--arch", "FC", "--init", "uniform", "--seed", "1", "-o", temporary(".h5"))
        #expect(initialisation.standardError == "supermask: error: unknown init 'uniform'; use kaiming-normal or signed-constant\n")
        let arch = try CommandRunner.run("init", "--arch", "VGG", "--init", "kaiming-normal", "--seed", "1", "-o", temporary(".h5"))
        #expect(arch.status == 1 && arch.standardError.hasPrefix("supermask: error: unknown architecture 'VGG'"))
    }

    @Test func aDamagedContainerNamesSectionAndLayer() throws {
        let container = temporary(".smask")
        defer { try? FileManager.default.removeItem(atPath: container) }
        _ = try CommandRunner.run("export", CommandRunner.fixture("fc.h5"), "-o", container)
        var bytes = try #require(FileManager.default.contents(atPath: container))
        // Past the header (28), ARCH and META: the middle of the file is inside linear.0's record.
        bytes[bytes.count / 3] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: container))
        let result = try CommandRunner.run("inspect", container)
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("supermask: error: \(container): section 2 (convolution 'linear.0'): CRC-32 mismatch"))
        let keep = try CommandRunner.run("inspect", container, "--keep", "0.5")
        #expect(keep.standardError.contains("--arch and --keep do not apply"))
    }
}
