import Foundation
import SupermaskTestSupport
import Testing

/// `export --weights torch-seed` on the FC model hidden-networks' own code built under torch 2 (unseeded, avx2),
/// and what `inspect`, `size` and `infer` make of the container.
@Suite struct TorchSeedCommandTests {
    private static let checkpoint = CommandRunner.fixture("torch-init/fc-ukn.h5")

    /// `torch.initial_seed()` of the run that built the fixture (Tests/Fixtures/torch-init/manifest.json).
    private static func seed() throws -> String {
        struct Manifest: Decodable {
            struct Case: Decodable { var file: String?; var torch_seed: String }
            var cases: [Case]
        }
        let data = try #require(FileManager.default.contents(atPath: CommandRunner.fixture("torch-init/manifest.json")))
        return try #require(try JSONDecoder().decode(Manifest.self, from: data).cases.first { $0.file == "fc-ukn.h5" }?.torch_seed)
    }

    private func temporary(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("supermask-torch-seed-\(UUID())\(suffix)").path
    }

    @Test func exportInspectSizeAndInfer() throws {
        let seed = try Self.seed()
        let container = temporary(".smask")
        defer { try? FileManager.default.removeItem(atPath: container) }
        let export = try CommandRunner.run("export", Self.checkpoint, "-o", container, "--weights", "torch-seed", "--torch-seed", seed)
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardOutput.contains("note: the weights are the same under torch2-avx2, torch13-avx2; torch2-avx2 is assumed for the initial scores (the checkpoint is in torch's zip format"))
        #expect(export.standardOutput.contains("weights as torch-seed (torch seed \(seed), torch2-avx2, verified) (lossless)"))

        let inspect = try CommandRunner.run("inspect", container)
        #expect(inspect.standardOutput.contains("\nweights       torch seed \(seed) (profile torch2-avx2), verified\n"), "\(inspect.standardOutput)")

        let size = try CommandRunner.run("size", container)
        let lines = size.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("mask + torch seed") && $0.hasSuffix("yes") }, "\(size.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("coded mask + torch seed") && $0.hasSuffix("yes") })
        #expect(lines.contains { $0.hasPrefix("this .smask (torch-seed)") })

        var outputs: [Data] = []
        for model in [Self.checkpoint, container] {
            let logits = temporary(".npy")
            defer { try? FileManager.default.removeItem(atPath: logits) }
            let infer = try CommandRunner.run("infer", model, "--input", CommandRunner.fixture("fc.input.npy"), "--output", logits)
            #expect(infer.status == 0, "\(infer.standardError)")
            outputs.append(try #require(FileManager.default.contents(atPath: logits)))
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test func autoSaysWhenTheTorchSeedWouldBeSmaller() throws {
        let container = temporary(".smask")
        defer { try? FileManager.default.removeItem(atPath: container) }
        let export = try CommandRunner.run("export", Self.checkpoint, "-o", container, "--torch-seed", try Self.seed())
        #expect(export.status == 0, "\(export.standardError)")
        let notes = export.standardOutput.split(separator: "\n").filter { $0.hasPrefix("note: --weights torch-seed would be smaller: ") }
        #expect(notes.count == 1)
        #expect(export.standardOutput.contains("weights as fp32 (lossless)"))
    }

    @Test func refusals() throws {
        let output = temporary(".smask")
        let path = Self.checkpoint
        let wrong = try CommandRunner.run("export", path, "-o", output, "--weights", "torch-seed", "--torch-seed", "5")
        #expect(wrong.status == 1)
        #expect(wrong.standardError.hasPrefix("supermask: error: \(path): torch seed 5 does not regenerate the weights as kaiming-normal (with and without scale_fan) under torch2-avx2, torch13-avx2, torch2-default: under torch2-avx2, 'linear.0' weight 0 is "))
        let otherProfile = try CommandRunner.run(
            "export", path, "-o", output, "--weights", "torch-seed", "--torch-seed", try Self.seed(), "--torch-profile", "torch2-default")
        #expect(otherProfile.standardError.contains("does not regenerate the weights as kaiming-normal (with and without scale_fan) under torch2-default: under torch2-default, 'linear.0' weight "))
        let unknown = try CommandRunner.run("export", path, "-o", output, "--weights", "torch-seed", "--torch-profile", "torch3")
        #expect(unknown.standardError == "supermask: error: unknown --torch-profile 'torch3'; use torch2-avx2, torch2-default, torch13-avx2\n")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
