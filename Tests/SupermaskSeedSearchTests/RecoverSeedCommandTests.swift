import Foundation
import SupermaskCore
import SupermaskTestSupport
import SupermaskTorchInit
import Testing

/// `supermask recover-seed` as a user runs it, on FC checkpoints regenerated from known seeds.
@Suite struct RecoverSeedCommandTests {
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recover-seed-tests-\(ProcessInfo.processInfo.processIdentifier)")
    static let fc = Architecture.named("FC")!

    /// The checkpoint of FC under `recipe`, written once per name.
    static func checkpoint(_ name: String, _ recipe: TorchSeedRecipe, sourceFormat: String = "zip") throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        if !FileManager.default.fileExists(atPath: path) {
            try SeededModel.writeCheckpoint(fc, recipe, sourceFormat: sourceFormat, to: path)
        }
        return path
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func printsTheSeedAsJSON() throws {
        let path = try Self.checkpoint("fc-usc-1234.h5", TorchSeedRecipe(seed: 1234, profile: .torch2AVX2, initialisation: .signedConstant))
        let result = try CommandRunner.run("recover-seed", path, "--range", "0-65535", "--json")
        #expect(result.status == 0, "\(result.standardError)")
        let document = try Self.json(result.standardOutput)
        #expect(document["torch_seed"] as? Int == 1234)
        #expect(document["profile"] as? String == "torch2-avx2")
        #expect(document["profiles_matching_weights"] as? [String] == ["torch2-avx2", "torch2-default", "torch13-avx2"])
        #expect((document["profile_basis"] as? String)?.contains("zip format") == true)
        #expect(document["init"] as? String == "signed-constant")
        #expect(document["verified_weights"] as? Int == 266_200)
        #expect(document["range"] as? String == "0-65535")
        #expect((document["candidates"] as? Int).map { $0 >= 1235 && $0 <= 65_536 } == true)
        #expect((document["seconds"] as? Double).map { $0 > 0 } == true)
        #expect(document["shards"] as? [String] == [])
        #expect(document["message"] is NSNull)
    }

    @Test func printsTheSeedAndTheProfileAsText() throws {
        let seed: UInt64 = 13_799_038_818_732_298_626
        let path = try Self.checkpoint("fc-ukn-unseeded.h5", TorchSeedRecipe(seed: seed, profile: .torch2Default, initialisation: .kaimingNormal))
        let low = seed & 0xFFFF_FFFF
        let result = try CommandRunner.run("recover-seed", path, "--range", "\(low - 5000)-\(low + 5000)", "--threads", "1")
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "torch seed \(low) (profile torch2-default): all 266,200 weights regenerate bit for bit")
        #expect(lines.contains("init: kaiming-normal, no scale_fan; profiles that reproduce the weights: torch2-default"))
        #expect(lines.contains { $0.hasPrefix("searched ") && $0.contains("against the Box–Muller pairs of 'linear.0'") && $0.contains("1 thread)") })
    }

    /// Shards of a range: one finds the seed, the others exit 0 with `"torch_seed": null`; the merge names the seed
    /// and counts every shard's seeds. Without the seed in any shard the merge says so and fails, and it refuses an
    /// incomplete set.
    @Test func shardsAndTheirMerge() throws {
        let path = try Self.checkpoint("fc-usc-40000.h5", TorchSeedRecipe(seed: 40_000, profile: .torch2AVX2, initialisation: .signedConstant))
        var records: [String] = []
        for index in 0..<4 {
            let result = try CommandRunner.run("recover-seed", path, "--range", "0-65535", "--shard", "\(index)/4", "--json")
            #expect(result.status == 0, "shard \(index): \(result.standardError)")
            let document = try Self.json(result.standardOutput)
            #expect(document["shards"] as? [String] == ["\(index)/4"])
            #expect(document["range"] as? String == "\(index * 16_384)-\(index * 16_384 + 16_383)")
            if index == 2 {
                #expect(document["torch_seed"] as? Int == 40_000)
            } else {
                #expect(document["torch_seed"] is NSNull)
                #expect(document["candidates"] as? Int == 16_384)
            }
            let file = Self.directory.appendingPathComponent("shard-\(index).json").path
            try Data(result.standardOutput.utf8).write(to: URL(fileURLWithPath: file))
            records.append(file)
        }
        let merged = try CommandRunner.run(["recover-seed", "--merge"] + records + ["--json"])
        #expect(merged.status == 0, "\(merged.standardError)")
        let document = try Self.json(merged.standardOutput)
        #expect(document["torch_seed"] as? Int == 40_000)
        #expect(document["shards"] as? [String] == ["0/4", "1/4", "2/4", "3/4"])
        #expect(document["range"] as? String == "0-65535")
        #expect((document["candidates"] as? Int).map { $0 > 3 * 16_384 } == true)

        let incomplete = try CommandRunner.run(["recover-seed", "--merge", records[0], records[3]])
        #expect(incomplete.status == 1)
        #expect(incomplete.standardError.contains("no seed in the 2 shard records given, and 2 of 4 shards are missing (1/4, 2/4): the seed may be there"))

        let twice = try CommandRunner.run(["recover-seed", "--merge", records[0], records[0]])
        #expect(twice.status == 1)
        #expect(twice.standardError.contains("shard 0/4 is also in"))
    }

    @Test func aMergeOfShardsWithoutTheSeedFails() throws {
        let path = try Self.checkpoint("fc-ukn-99999.h5", TorchSeedRecipe(seed: 99_999, profile: .torch2AVX2, initialisation: .kaimingNormal))
        var records: [String] = []
        for index in 0..<2 {
            let result = try CommandRunner.run("recover-seed", path, "--range", "0-8191", "--shard", "\(index)/2", "--json")
            #expect(result.status == 0)
            let file = Self.directory.appendingPathComponent("empty-shard-\(index).json").path
            try Data(result.standardOutput.utf8).write(to: URL(fileURLWithPath: file))
            records.append(file)
        }
        let merged = try CommandRunner.run(["recover-seed", "--merge"] + records)
        #expect(merged.status == 1)
        #expect(merged.standardOutput.isEmpty)
        #expect(merged.standardError.hasPrefix("supermask: error: \(path): no torch seed in 0-8191 reproduces the weights (8192 seeds tested in 2 shards against the Box–Muller pairs of 'linear.0'"))
        #expect(merged.standardError.split(separator: "\n").count == 1)
    }

    /// Without the seed in the range (and not a shard) the command says what was tried and exits 1.
    @Test func noSeedInTheRangeIsAnError() throws {
        let path = try Self.checkpoint("fc-usc-70000.h5", TorchSeedRecipe(seed: 70_000, profile: .torch2AVX2, initialisation: .signedConstant))
        let result = try CommandRunner.run("recover-seed", path, "--range", "0-4095")
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains("supermask: error: \(path): no torch seed in seeds 0-4095 reproduces the weights (4096 seeds tested against the signs of 'linear.0'; avx2: signs kernel, 64 bits)")
            || result.standardError.contains("supermask: error: \(path): no torch seed in seeds 0-4095 reproduces the weights (4096 seeds tested against the signs of 'linear.0'; portable: signs kernel, 64 bits)"))
    }

    /// With --json the document says what was tried (`"torch_seed": null`), and the exit status and the one error
    /// line still say that nothing was found.
    @Test func noSeedInTheRangeAsJSON() throws {
        let path = try Self.checkpoint("fc-usc-70000.h5", TorchSeedRecipe(seed: 70_000, profile: .torch2AVX2, initialisation: .signedConstant))
        let result = try CommandRunner.run("recover-seed", path, "--range", "0-4095", "--json")
        #expect(result.status == 1)
        let document = try Self.json(result.standardOutput)
        #expect(document["torch_seed"] is NSNull)
        #expect(document["candidates"] as? Int == 4096)
        #expect((document["message"] as? String)?.hasPrefix("no torch seed in seeds 0-4095 reproduces the weights") == true)
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    /// A file that is no model, and a model whose weights say nothing of the seed, are one line each, naming the file.
    @Test func anOddFileIsOneLine() throws {
        try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
        let garbage = Self.directory.appendingPathComponent("garbage.h5").path
        try Data("not a model\u{1B}[31m\n".utf8).write(to: URL(fileURLWithPath: garbage))
        let constant = try Self.checkpoint("fc-constant.h5", TorchSeedRecipe(seed: 5, profile: .torch2AVX2, initialisation: .unsignedConstant))
        for (path, problem) in [(garbage, "not an HDF5 file"), (constant, "a constant init, whose weights carry nothing of the seed")] {
            let result = try CommandRunner.run("recover-seed", path, "--range", "0-255")
            #expect(result.status == 1, "\(path)")
            #expect(result.standardOutput.isEmpty, "\(path)")
            #expect(result.standardError.hasPrefix("supermask: error: \(path): "), "\(path)")
            #expect(result.standardError.contains(problem), "\(path)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(path)")
        }
    }

    /// `export --weights torch-seed` without --torch-seed finds the seed as recover-seed does, and stores it verified.
    @Test func exportRecoversTheSeedItIsNotGiven() throws {
        let path = try Self.checkpoint("fc-usc-1234.h5", TorchSeedRecipe(seed: 1234, profile: .torch2AVX2, initialisation: .signedConstant))
        let container = Self.directory.appendingPathComponent("fc-usc-1234.smask").path
        let export = try CommandRunner.run("export", path, "-o", container, "--weights", "torch-seed")
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardOutput.contains("note: recovered torch seed 1234 in "))
        #expect(export.standardOutput.contains("weights as torch-seed (torch seed 1234, torch2-avx2, verified) (lossless)"))
        let inspect = try CommandRunner.run("inspect", container)
        #expect(inspect.standardOutput.contains("torch seed 1234 (profile torch2-avx2), verified"), "\(inspect.standardOutput)")
    }

    @Test func refusesBadArguments() throws {
        let path = try Self.checkpoint("fc-usc-1234.h5", TorchSeedRecipe(seed: 1234, profile: .torch2AVX2, initialisation: .signedConstant))
        let shard = try CommandRunner.run("recover-seed", path, "--shard", "4/4")
        #expect(shard.status == 1)
        #expect(shard.standardError.contains("shard 4/4 is not one of 4 shards (0/4 … 3/4) of 4294967296 seeds"))
        let range = try CommandRunner.run("recover-seed", path, "--range", "9-3")
        #expect(range.status == 1)
        #expect(range.standardError.contains("seed range '9-3' is not FIRST-LAST with 0 ≤ FIRST ≤ LAST < 2^32 (e.g. 0-65535)"))
        let merge = try CommandRunner.run("recover-seed", "--merge", path, "--shard", "1/2")
        #expect(merge.status != 0)
        #expect(merge.standardError.contains("--merge reads shard records; --shard, --range, --arch and --keep apply to a search"))
        let notRecord = try CommandRunner.run("recover-seed", "--merge", path)
        #expect(notRecord.status == 1)
        #expect(notRecord.standardError.contains("\(path): not a record written by supermask recover-seed --json"))
        let missing = try CommandRunner.run("recover-seed", Self.directory.appendingPathComponent("absent.h5").path)
        #expect(missing.status == 1)
    }

    /// Shard records are files too: a directory, or JSON of the right keys with a range no search writes, is one line.
    @Test func refusesOddShardRecords() throws {
        let path = try Self.checkpoint("fc-usc-1234.h5", TorchSeedRecipe(seed: 1234, profile: .torch2AVX2, initialisation: .signedConstant))
        let shard = try CommandRunner.run("recover-seed", path, "--range", "0-255", "--shard", "0/2", "--json")
        #expect(shard.status == 0, "\(shard.standardError)")
        let forged = Self.directory.appendingPathComponent("forged-shard.json").path
        try Data(shard.standardOutput.replacingOccurrences(of: "\"0-127\"", with: "\"0-1\\u001b[2J\"").utf8).write(to: URL(fileURLWithPath: forged))
        for (record, problem) in [(Self.directory.path, "a directory, not a file"), (forged, "not a record written by supermask recover-seed --json")] {
            let merged = try CommandRunner.run("recover-seed", "--merge", record)
            #expect(merged.status == 1)
            #expect(merged.standardError == "supermask: error: \(record): \(problem)\n")
        }
    }
}
