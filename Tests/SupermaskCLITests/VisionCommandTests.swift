import Foundation
import SupermaskTestSupport
import Testing

/// `supermask preprocess`, `eval` and `merge` as a user runs them (the pipeline itself is tested in
/// SupermaskVisionTests).
@Suite struct VisionCommandTests {
    static let vision = CommandRunner.fixtures.appendingPathComponent("vision")

    private func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-cli-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func floats(inNPY path: String) throws -> [Float] {
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        return bytes.dropFirst(10 + headerLength).withUnsafeBytes { raw in
            (0..<raw.count / 4).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
        }
    }

    @Test func preprocessWritesTorchvisionsBatch() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let names = ["cmyk.JPEG", "png-named.JPEG", "gray.JPEG"]
        let output = folder + "/batch.npy"
        let result = try CommandRunner.run(
            ["preprocess"] + names.map { Self.vision.appendingPathComponent($0).path } + ["--output", output, "--resize", "64", "--img-size", "56"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("wrote \(output): [3, 3, 56, 56] float32 from 3 image(s)"))
        let batch = try floats(inNPY: output)
        let expected = try names.flatMap { try floats(inNPY: Self.vision.appendingPathComponent($0 + ".npy").path) }
        #expect(batch.count == expected.count)
        #expect(zip(batch, expected).allSatisfy { $0.bitPattern == $1.bitPattern })

        // `-o -`: the same bytes on standard output, the summary on standard error.
        let piped = try CommandRunner.run(
            ["preprocess"] + names.map { Self.vision.appendingPathComponent($0).path } + ["-o", "-", "--resize", "64", "--img-size", "56"])
        #expect(piped.status == 0, "\(piped.standardError)")
        #expect(piped.standardOutputBytes == [UInt8](try #require(FileManager.default.contents(atPath: output))))
        #expect(piped.standardError.hasPrefix("wrote standard output: [3, 3, 56, 56] float32 from 3 image(s)"))
    }

    @Test func preprocessOfAFolderSaysItIsOne() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try CommandRunner.run("preprocess", folder, "-o", folder + "/out.npy")
        #expect(result.status == 1)
        #expect(result.standardError == "supermask: error: \(folder): a directory; preprocess takes image files (such as \(folder)/*.JPEG), eval --data a folder\n")
    }

    @Test func preprocessRefusesANonImage() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = folder + "/notes.JPEG"
        _ = FileManager.default.createFile(atPath: text, contents: Data("hello\n".utf8))
        let result = try CommandRunner.run("preprocess", text, "--output", folder + "/out.npy")
        #expect(result.status == 1)
        #expect(result.standardError == "supermask: error: \(text): not a JPEG or PNG image (the first bytes are 68 65 6C 6C)\n")
    }

    /// Dataset problems are reported before the model is loaded; each is one line and exit status 1.
    @Test func evalDatasetErrorsAreOneLine() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = CommandRunner.fixture("fc.h5")
        try FileManager.default.createDirectory(atPath: folder + "/flat/val", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.vision.appendingPathComponent("gray.JPEG").path, toPath: folder + "/flat/val/ILSVRC2012_val_00000001.JPEG")
        _ = FileManager.default.createFile(atPath: folder + "/gt.txt", contents: Data("1\n".utf8))
        let cases: [([String], String)] = [
            (["--data", folder + "/nowhere"], "\(folder)/nowhere: no such folder"),
            (["--data", folder + "/flat"], "\(folder)/flat/val: a flat folder of images without class folders; give its labels with --labels"),
            (["--data", folder + "/flat", "--labels", folder + "/gt.txt"], "\(folder)/gt.txt: a devkit ground-truth list needs the synset order: add --synsets FILE"),
        ]
        for (arguments, expected) in cases {
            let result = try CommandRunner.run(["eval", model] + arguments)
            #expect(result.status == 1)
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            #expect(result.standardError.hasPrefix("supermask: error: \(expected)"), "\(result.standardError)")
        }
        let shard = try CommandRunner.run("eval", model, "--data", folder, "--shard", "2/2")
        #expect(shard.status != 0)
        #expect(shard.standardError.contains("shard '2/2' is not I/N with 0 ≤ I < N"))
    }

    /// A model that does not take 3×224×224 images fails on the first batch with one line, not a crash.
    @Test func evalWithAnIncompatibleModelIsOneLine() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for index in 0..<10 {
            let classFolder = folder + "/val/" + String(format: "n%08d", index)
            try FileManager.default.createDirectory(atPath: classFolder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.vision.appendingPathComponent("gray.JPEG").path, toPath: classFolder + "/a.JPEG")
        }
        let result = try CommandRunner.run("eval", CommandRunner.fixture("fc.h5"), "--data", folder, "--limit", "2")
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("supermask: error: "))
        #expect(result.standardError.contains("does not fit FC"), "\(result.standardError)")
    }

    /// The transform is checked against the model before any image is decoded (the images here are not images,
    /// so a later check would fail on them first), and a run where no image could be evaluated is an error, not
    /// "top-1 0.000% (0/0)".
    @Test func evalChecksThePresetFirstAndFailsWhenNothingWasEvaluated() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for index in 0..<10 {
            let classFolder = folder + "/val/" + String(format: "c%d", index)
            try FileManager.default.createDirectory(atPath: classFolder, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: classFolder + "/a.png", contents: Data("hello\n".utf8))
        }
        let model = CommandRunner.fixture("fc.h5")
        let imagenet = try CommandRunner.run("eval", model, "--data", folder)
        #expect(imagenet.status == 1)
        #expect(imagenet.standardError == "supermask: error: \(model): the imagenet transform makes 3×224×224 images: input shape [32, 3, 224, 224] does not fit FC, which needs 784 values per image such as [32, 1, 28, 28]; --preset mnist fits it\n")
        let smaller = try CommandRunner.run("eval", model, "--data", folder, "--preset", "mnist", "--img-size", "20")
        #expect(smaller.status == 1)
        #expect(smaller.standardError.hasPrefix("supermask: error: \(model): the mnist transform makes 1×20×20 images: "))

        let json = folder + "/record.json"
        let nothing = try CommandRunner.run("eval", model, "--data", folder, "--preset", "mnist", "--json", json)
        #expect(nothing.status == 1)
        #expect(nothing.standardOutput.isEmpty)
        #expect(nothing.standardError.hasSuffix(
            "supermask: error: \(folder)/val: no image could be evaluated: all 10 failed to decode or preprocess (the first: \(folder)/val/c0/a.png: not a JPEG or PNG image (the first bytes are 68 65 6C 6C))\n"))
        #expect(!FileManager.default.fileExists(atPath: json))
    }

    private func record(shard: String, images: Int, errors: Int, top1: Int, top5: Int) -> String {
        """
        {"model": "m.h5", "top1": 0, "top1_err": 100, "top5": 0, "top5_err": 100, "param_count": 25.5, "img_size": 224,
         "crop_pct": 0.875, "interpolation": "bilinear", "preset": "imagenet", "input_size": [3, 224, 224],
         "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "kept_params": 7650902, "density": 0.3, "model_bytes": 1,
         "model_sha256": "ab", "images": \(images), "errors": \(errors), "seconds": 2.5, "top1_correct": \(top1),
         "top5_correct": \(top5), "dataset": "/data/val", "dataset_images": 50000, "shards": ["\(shard)"]}
        """
    }

    @Test func mergeAddsShardCountsExactly() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let shards = [(24_999, 1, 15_000, 20_000), (25_000, 0, 15_001, 20_002)]
        for (index, shard) in shards.enumerated() {
            _ = FileManager.default.createFile(
                atPath: folder + "/\(index).json",
                contents: Data(record(shard: "\(index)/2", images: shard.0, errors: shard.1, top1: shard.2, top5: shard.3).utf8))
        }
        let merged = folder + "/merged.json"
        let result = try CommandRunner.run("merge", folder + "/0.json", folder + "/1.json", "--json", merged)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("top-1      60.003%  (30001/49999)"), "\(result.standardOutput)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: merged))) as? [String: Any])
        #expect(json["images"] as? Int == 49_999)
        #expect(json["errors"] as? Int == 1)
        #expect(json["top5_correct"] as? Int == 40_002)
        #expect((json["top1"] as? Double).map { abs($0 - 100.0 * 30_001 / 49_999) < 1e-12 } == true)
        #expect(json["shards"] as? [String] == ["0/2", "1/2"])

        let missing = try CommandRunner.run("merge", folder + "/0.json")
        #expect(missing.status == 1)
        #expect(missing.standardError == "supermask: error: shards 1/2 are missing; give every shard's record\n")
        let notRecord = try CommandRunner.run("merge", CommandRunner.fixture("fc.json"))
        #expect(notRecord.status == 1)
        #expect(notRecord.standardError.hasPrefix("supermask: error: \(CommandRunner.fixture("fc.json")): not an eval record"))
    }
}
