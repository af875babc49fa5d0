import Foundation
import SupermaskTestSupport
import Testing

/// `supermask demo` on Tests/Fixtures/demo, a stand-in bundle whose expected counts tools/make_demo_fixture.py
/// computed with a numpy forward pass, and on damaged copies of it.
/// Serialized: the first full run chooses kernels into the runner's cache, and the next reuses them.
@Suite(.serialized) struct DemoCommandTests {
    static let bundle = CommandRunner.fixture("demo")

    private func manifest(_ directory: String = bundle) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: directory + "/manifest.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A copy of the stand-in bundle in a fresh directory, changed by `change`.
    private func damagedBundle(_ change: (String) throws -> Void) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-demo-\(UUID())").path
        try FileManager.default.copyItem(atPath: Self.bundle, toPath: directory)
        try change(directory)
        return directory
    }

    private func writeManifest(_ manifest: [String: Any], in directory: String) throws {
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: directory + "/manifest.json"))
    }

    @Test func countsEqualNumpysForEveryModel() throws {
        let result = try CommandRunner.run("demo", "--bundle", Self.bundle, "--json", "--threads", "2")
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(report["agreesWithPyTorch"] as? Bool == true)
        let models = try #require(report["models"] as? [[String: Any]])
        let expected = try #require(try manifest()["models"] as? [[String: Any]])
        #expect(models.map { $0["name"] as? String } == ["fc-usc", "fc-ukn", "fc-dense"])
        for (model, entry) in zip(models, expected) {
            let numpy = try #require(entry["pytorch"] as? [String: Any])
            let accuracy = try #require(model["accuracy"] as? [String: Any])
            #expect(accuracy["correct"] as? Int == numpy["correct"] as? Int, "\(entry["name"] ?? "")")
            #expect(accuracy["images"] as? Int == 300)
            let random = model["randomWeights"] as? [String: Any]
            #expect(random?["correct"] as? Int == numpy["random_weights_correct"] as? Int, "\(entry["name"] ?? "") without a mask")
        }
        // The subnetworks keep half of every layer; the seed-stored files are ~1 bit per weight.
        let usc = try #require(models.first)
        #expect((usc["totals"] as? [String: Any])?["kept"] as? Int == 133_100)
        let size = try #require(usc["size"] as? [String: Any])
        #expect(size["weightsAndScoresBytes"] as? Int == 2_129_600)
        #expect(size["denseFloat32Bytes"] as? Int == 1_064_800)
        let fileBytes = try FileManager.default.attributesOfItem(atPath: Self.bundle + "/fc-usc.smask")[.size] as? Int
        #expect(size["smaskBytes"] as? Int == fileBytes)
    }

    /// The committed bundle (models/mnist, made by tools/train_supermask.py): every count equals PyTorch's.
    @Test func theBundledModelsAgreeWithPyTorch() throws {
        let bundle = CommandRunner.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/mnist").path
        let result = try CommandRunner.run("demo", "--bundle", bundle, "--json")
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(report["agreesWithPyTorch"] as? Bool == true)
        let models = try #require(report["models"] as? [[String: Any]])
        #expect(models.count == 3)
        for model in models {
            let accuracy = try #require(model["accuracy"] as? [String: Any])
            #expect(accuracy["images"] as? Int == 10_000)
            #expect(accuracy["agreesWithPyTorch"] as? Bool == true, "\(model["name"] ?? "")")
            if model["kind"] as? String == "subnetwork" {
                #expect((model["randomWeights"] as? [String: Any])?["agreesWithPyTorch"] as? Bool == true, "\(model["name"] ?? "")")
            }
        }
    }

    @Test func textShowsAccuracySparsityAndSize() throws {
        let result = try CommandRunner.run("demo", "--bundle", Self.bundle)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        let counts = try #require(try manifest()["models"] as? [[String: Any]]).compactMap { ($0["pytorch"] as? [String: Any])?["correct"] as? Int }
        let usc = try #require(lines.first { $0.hasPrefix("fc-usc    subnetwork") })
        #expect(usc.contains("\(counts[0])/300") && usc.hasSuffix("yes"))
        #expect(lines.contains { $0.hasPrefix("fc-ukn    the same random weights, no mask") && $0.hasSuffix("yes") })
        #expect(lines.contains { $0.hasPrefix("fc-dense  dense-trained baseline") && $0.contains("\(counts[2])/300") })
        #expect(lines.contains { $0.hasPrefix("linear.0  300×784  235,200  117,600 (50.0%)  117,600 (50.0%)") })
        #expect(lines.contains { $0.hasPrefix("fc-usc    seed + coded mask") && $0.contains("2,129,600") && $0.contains("1,064,800") })
        #expect(lines.contains { $0.contains("FC networks (784-300-100-10, fully connected)") })
        #expect(lines.last?.hasPrefix("Elapsed: ") == true)
    }

    @Test func aCountThatDiffersFromPyTorchsFailsLoudly() throws {
        let directory = try damagedBundle { directory in
            var manifest = try self.manifest(directory)
            var models = try #require(manifest["models"] as? [[String: Any]])
            // Only the dense model (a seed, quick to load), with PyTorch's count off by one.
            var dense = models[2]
            var pytorch = try #require(dense["pytorch"] as? [String: Any])
            pytorch["correct"] = (pytorch["correct"] as? Int ?? 0) + 1
            dense["pytorch"] = pytorch
            models = [dense]
            manifest["models"] = models
            try writeManifest(manifest, in: directory)
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandRunner.run("demo", "--bundle", directory)
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("!! MISMATCH"))
        #expect(result.standardOutput.split(separator: "\n").contains { $0.hasPrefix("fc-dense") && $0.hasSuffix("NO") })
        #expect(result.standardError == "supermask: error: \(directory)/manifest.json: supermask's counts differ from PyTorch's; this is a bug in supermask, please report it\n")
    }

    @Test func aMissingBundleNamesWhereItLooked() throws {
        let result = try CommandRunner.run("demo", "--bundle", "/nonexistent/mnist")
        #expect(result.status == 1)
        #expect(result.standardError == "supermask: error: /nonexistent/mnist: no such directory\n")
    }

    /// Each damage, and the start of the one line the command must print for it.
    static let damages: [(name: String, expectedError: String, damage: @Sendable (String) throws -> Void)] = [
        ("no manifest", "manifest.json: no such file: the bundle has no manifest", { try FileManager.default.removeItem(atPath: $0 + "/manifest.json") }),
        ("not JSON", "manifest.json: not valid JSON", { try Data("{\"format\": ".utf8).write(to: URL(fileURLWithPath: $0 + "/manifest.json")) }),
        ("other format", "manifest.json: format 'something-else' is not 'supermask-demo-bundle'", { try replace(in: $0 + "/manifest.json", "\"supermask-demo-bundle\"", "\"something-else\"") }),
        ("newer version", "manifest.json: version 2 is not supported", { try replace(in: $0 + "/manifest.json", "\"version\": 1", "\"version\": 2") }),
        ("missing key", "manifest.json: missing key 'dataset.count'", { try replace(in: $0 + "/manifest.json", "\"count\": 300,", "") }),
        ("missing model file", "manifest.json: names fc-ukn.smask, which is not in", { try FileManager.default.removeItem(atPath: $0 + "/fc-ukn.smask") }),
        ("unknown architecture", "manifest.json: fc-usc: architecture 'MLP' is not one of", { try replace(in: $0 + "/manifest.json", "\"architecture\": \"FC\"", "\"architecture\": \"MLP\"", once: true) }),
        ("truncated images", "t10k-images-idx3-ubyte.gz: truncated gzip data", { try truncate($0 + "/t10k-images-idx3-ubyte.gz", by: 5000) }),
        ("corrupt labels", "t10k-labels-idx1-ubyte.gz: corrupt gzip data", { try flipByte(in: $0 + "/t10k-labels-idx1-ubyte.gz", at: 40) }),
        ("images count", "t10k-images-idx3-ubyte.gz: holds 300 images, the manifest says 299", { try replace(in: $0 + "/manifest.json", "\"count\": 300", "\"count\": 299") }),
        ("labels count", "t10k-labels-idx1-ubyte.gz: 2 labels for 300 images", { try Data([0, 0, 8, 1, 0, 0, 0, 2, 1, 2]).write(to: URL(fileURLWithPath: $0 + "/t10k-labels-idx1-ubyte.gz")) }),
        ("label range", "t10k-labels-idx1-ubyte.gz: label 10 of image 1 is outside 0…9", { try Data([0, 0, 8, 1, 0, 0, 1, 44] + [3, 10] + [UInt8](repeating: 0, count: 298)).write(to: URL(fileURLWithPath: $0 + "/t10k-labels-idx1-ubyte.gz")) }),
        ("bad magic", "t10k-images-idx3-ubyte.gz: not an IDX file", { try Data([0x50, 0x4b, 3, 4, 0, 0, 0, 0]).write(to: URL(fileURLWithPath: $0 + "/t10k-images-idx3-ubyte.gz")) }),
        ("wrong model file", "fc-usc.smask: holds weights of seed 2021, the manifest says 2020", { try FileManager.default.copyItem(atPath: $0 + "/fc-dense.smask", toPath: $0 + "/dense-copy"); try FileManager.default.removeItem(atPath: $0 + "/fc-usc.smask"); try FileManager.default.moveItem(atPath: $0 + "/dense-copy", toPath: $0 + "/fc-usc.smask") }),
    ]

    @Test(arguments: damages.indices)
    func aDamagedBundleIsOneLineAndExitStatus1(index: Int) throws {
        let damage = Self.damages[index]
        let directory = try damagedBundle(damage.damage)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandRunner.run("demo", "--bundle", directory)
        #expect(result.status == 1, "\(damage.name)")
        #expect(result.standardOutput.isEmpty, "\(damage.name)")
        #expect(result.standardError.hasPrefix("supermask: error: \(directory)/\(damage.expectedError)"), "\(damage.name): \(result.standardError)")
        #expect(result.standardError.filter { $0 == "\n" }.count == 1, "\(damage.name)")
    }
}

private func replace(in path: String, _ old: String, _ new: String, once: Bool = false) throws {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    guard let range = text.range(of: old) else { throw CocoaError(.fileReadCorruptFile) }
    let changed = once ? text.replacingCharacters(in: range, with: new) : text.replacingOccurrences(of: old, with: new)
    try changed.write(toFile: path, atomically: true, encoding: .utf8)
}

private func truncate(_ path: String, by count: Int) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    try data.dropLast(count).write(to: URL(fileURLWithPath: path))
}

private func flipByte(in path: String, at offset: Int) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data[offset] ^= 0x5a
    try data.write(to: URL(fileURLWithPath: path))
}
