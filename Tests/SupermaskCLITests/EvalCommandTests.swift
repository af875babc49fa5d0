import Foundation
import SupermaskTestSupport
import Testing

/// `supermask eval` end to end with a full-size ResNet18 drawn by `supermask init` (dense, random weights): its
/// predictions must be those of `preprocess` + `infer` on the same files, shards must merge into the whole run.
@Suite struct EvalCommandTests {
    static let vision = CommandRunner.fixtures.appendingPathComponent("vision")
    static let images = ["photo-420.JPEG", "cmyk.JPEG", "gray.JPEG", "png-named.JPEG", "palette.png"]
    /// File names are chosen by whoever made the dataset: one image and the truncated file get names with a comma,
    /// quotes, CR, LF and escape sequences, which warnings must show escaped and the CSV must quote (RFC 4180).
    static let hostileNames = ["palette.png": "palette,\"q\"\r\n\u{1B}[31m.png"]
    static let truncatedName = "truncated\n\u{1B}[2J.JPEG"

    /// The name an image is stored under in the dataset.
    static func storedName(_ image: String) -> String { hostileNames[image] ?? image }

    /// A 1000-class ImageFolder holding the fixture images in classes 0, 7, 14, … plus a truncated JPEG,
    /// and a ResNet18 checkpoint.
    struct Setup {
        let root: String
        let model: String

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-eval-\(UUID())").path
            for index in 0..<1000 {
                try FileManager.default.createDirectory(atPath: root + String(format: "/val/n%08d", index), withIntermediateDirectories: true)
            }
            for (index, name) in EvalCommandTests.images.enumerated() {
                try FileManager.default.copyItem(
                    atPath: EvalCommandTests.vision.appendingPathComponent(name).path,
                    toPath: root + String(format: "/val/n%08d/", 7 * index) + EvalCommandTests.storedName(name))
            }
            let jpeg = try Data(contentsOf: EvalCommandTests.vision.appendingPathComponent("photo-444.JPEG"))
            try jpeg.prefix(jpeg.count / 2).write(to: URL(fileURLWithPath: root + "/val/n00000999/" + EvalCommandTests.truncatedName))
            model = root + "/resnet18.h5"
            let made = try CommandRunner.run("init", "--arch", "ResNet18", "--init", "signed-constant", "--seed", "11", "-o", model)
            guard made.status == 0 else { throw CocoaError(.fileWriteUnknown) }
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }

        /// The rows of a CSV file the run wrote.
        func rows(_ name: String) throws -> [[String]] {
            EvalCommandTests.parseCSV(try String(contentsOfFile: root + "/" + name, encoding: .utf8))
        }
    }

    /// Top-5 class indices per row of a `[N, classes]` float32 .npy, ties to the lower index.
    private func top5(inLogits path: String, classes: Int = 1000) throws -> [[Int]] {
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let logits = bytes.dropFirst(10 + headerLength).withUnsafeBytes { raw in
            (0..<raw.count / 4).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
        }
        return stride(from: 0, to: logits.count, by: classes).map { start in
            let row = Array(logits[start..<(start + classes)])
            return Array(row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(5))
        }
    }

    @Test func predictionsEqualPreprocessPlusInferAndShardsMerge() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let run = try CommandRunner.run(
            "eval", setup.model, "--data", setup.root, "--batch-size", "2", "--threads", "2",
            "--json", setup.root + "/all.json", "--predictions", setup.root + "/all.csv")
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("supermask: warning: \(setup.root)/val: 994 of 1000 class folders hold no images"))
        #expect(run.standardError.contains("supermask: warning: \(setup.root)/val/n00000999/truncated\\n\\x1b[2J.JPEG: cannot decode JPEG: image file is truncated"))
        #expect(!run.standardError.unicodeScalars.contains { $0.value == 0x1B || $0 == "\r" })
        #expect(run.standardError.contains("eval: 6/6 images (100.0%)"))
        #expect(run.standardOutput.contains("images     5, errors 1"), "\(run.standardOutput)")

        // The same files through preprocess + infer give the same top-5 lists.
        let folders = Self.images.enumerated().map { String(format: "n%08d/", 7 * $0.offset) + Self.storedName($0.element) }
        let batch = setup.root + "/batch.npy"
        let preprocess = try CommandRunner.run(["preprocess"] + folders.map { setup.root + "/val/" + $0 } + ["--output", batch])
        #expect(preprocess.status == 0, "\(preprocess.standardError)")
        let infer = try CommandRunner.run("infer", setup.model, "--input", batch, "--output", setup.root + "/logits.npy")
        #expect(infer.status == 0, "\(infer.standardError)")
        let expected = try top5(inLogits: setup.root + "/logits.npy")
        let rows = try setup.rows("all.csv")
        #expect(rows.first == ["path", "label", "pred1", "pred2", "pred3", "pred4", "pred5",
                               "label_class", "pred1_class", "pred2_class", "pred3_class", "pred4_class", "pred5_class"])
        // The class columns name the indices' class folders (the WordNet IDs of an ImageNet folder).
        func wnid(_ index: Int) -> String { String(format: "n%08d", index) }
        var expectedRows: [[String]] = []
        for (index, (folder, top)) in zip(folders, expected).enumerated() {
            let indices: [String] = [folder, String(7 * index)] + top.map { String($0) }
            expectedRows.append(indices + [wnid(7 * index)] + top.map(wnid))
        }
        #expect(Array(rows.dropFirst()) == expectedRows)

        // Two shards merge into the whole run's counts; their CSV rows concatenate to the whole run's.
        for shard in 0..<2 {
            let part = try CommandRunner.run(
                "eval", setup.model, "--data", setup.root + "/val", "--batch-size", "2", "--shard", "\(shard)/2",
                "--json", setup.root + "/\(shard).json", "--predictions", setup.root + "/\(shard).csv")
            #expect(part.status == 0, "\(part.standardError)")
        }
        let merge = try CommandRunner.run("merge", setup.root + "/1.json", setup.root + "/0.json", "--json", setup.root + "/merged.json")
        #expect(merge.status == 0, "\(merge.standardError)")
        let whole = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: setup.root + "/all.json"))) as? [String: Any]
        let merged = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: setup.root + "/merged.json"))) as? [String: Any]
        for key in ["images", "errors", "top1_correct", "top5_correct", "kept_params", "model_bytes"] {
            #expect(whole?[key] as? Int == merged?[key] as? Int, "\(key)")
        }
        for key in ["top1", "top5", "param_count"] {
            #expect(whole?[key] as? Double == merged?[key] as? Double, "\(key)")
        }
        #expect(whole?["model_sha256"] as? String == merged?["model_sha256"] as? String)
        #expect((whole?["model_sha256"] as? String)?.count == 64)
        #expect(try setup.rows("0.csv") + setup.rows("1.csv").dropFirst() == rows)
    }

    /// `--preset mnist` end to end on the FC model: `convert("L")`, resized and cropped to 28×28 by
    /// `--img-size 28`, normalised with MNIST's statistics; predictions equal `preprocess` + `infer` with the same
    /// flags, and the record names the transform.
    @Test func mnistPresetEqualsPreprocessPlusInfer() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-eval-mnist-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let images = ["photo-420.JPEG", "cmyk.JPEG", "gray.JPEG", "palette.png", "gray16.png", "rgba.png", "gray1.png",
                      "progressive.JPEG", "small-upscaled.JPEG", "gray-alpha.png"]
        var files: [String] = []
        for (index, name) in images.enumerated() {
            let folder = root + "/val/\(index)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.vision.appendingPathComponent(name).path, toPath: folder + "/" + name)
            files.append(folder + "/" + name)
        }
        let model = CommandRunner.fixture("fc.h5")
        let transform = ["--preset", "mnist", "--img-size", "28"]
        let run = try CommandRunner.run(
            ["eval", model, "--data", root, "-b", "3", "-j", "2", "--json", root + "/record.json", "--predictions", root + "/p.csv"] + transform)
        #expect(run.status == 0, "\(run.standardError)")
        let preprocess = try CommandRunner.run(["preprocess"] + files + ["-o", root + "/batch.npy"] + transform)
        #expect(preprocess.status == 0, "\(preprocess.standardError)")
        let infer = try CommandRunner.run("infer", model, "-i", root + "/batch.npy", "-o", root + "/logits.npy")
        #expect(infer.status == 0, "\(infer.standardError)")
        let expected = try top5(inLogits: root + "/logits.npy", classes: 10)
        let rows = Self.parseCSV(try String(contentsOfFile: root + "/p.csv", encoding: .utf8)).dropFirst()
        #expect(rows.map { Array($0[2..<7]) } == expected.map { $0.map(String.init) })
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/record.json"))) as? [String: Any])
        #expect(record["preset"] as? String == "mnist")
        #expect(record["input_size"] as? [Int] == [1, 28, 28])
        #expect(record["mean"] as? [Double] == [0.1307] && record["std"] as? [Double] == [0.3081])
        #expect(record["images"] as? Int == 10)
    }

    @Test func strictStopsAtTheFirstProblem() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let run = try CommandRunner.run("eval", setup.model, "--data", setup.root, "--strict")
        #expect(run.status == 1)
        #expect(run.standardError.hasPrefix("supermask: error: \(setup.root)/val: 994 of 1000 class folders hold no images"))
    }

    @Test func classCountMustMatchTheModel() throws {
        let setup = try Setup()
        defer { setup.remove() }
        try FileManager.default.createDirectory(atPath: setup.root + "/val/n99999999", withIntermediateDirectories: true)
        let run = try CommandRunner.run("eval", setup.model, "--data", setup.root)
        #expect(run.status == 1)
        #expect(run.standardError.hasSuffix("supermask: error: \(setup.root)/val: 1001 classes but the model \(setup.model) predicts 1000; class indices would not correspond\n"))
    }

    /// Rows and fields of RFC 4180 CSV text: quoted fields may hold commas, doubled quotes, CR and LF.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            if quoted {
                if scalar == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = scalars.next()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
            } else if scalar == "\"" {
                quoted = true
            } else if scalar == "," {
                row.append(field)
                field = ""
            } else if scalar == "\n" {
                row.append(field)
                rows.append(row)
                (row, field) = ([], "")
            } else {
                field.unicodeScalars.append(scalar)
            }
        }
        return rows
    }
}
