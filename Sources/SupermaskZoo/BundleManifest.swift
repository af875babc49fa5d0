import Foundation
import SupermaskCore

/// The `manifest.json` of a bundle (`models/mnist/`, what `supermask demo` runs and the zoo lists): the test split,
/// and each bundled model with the accuracy PyTorch measured for it. Written by tools/train_supermask.py; keys in
/// snake_case; specified in models/mnist/README.md.
public struct BundleManifest: Decodable {
    /// The only `format` this reader understands.
    public static let formatName = "supermask-demo-bundle"
    /// The only `version` this reader understands.
    public static let formatVersion = 1
    /// The largest manifest read: the bundled one takes 3 KB.
    public static let largestFileBytes = 1 << 20
    /// The most test images a bundle may hold: ten times MNIST's test split, a few seconds per model.
    public static let maxImages = 100_000
    /// The most models a bundle may list: each is loaded and evaluated (twice for a subnetwork).
    public static let maxModels = 16

    public var format: String
    public var version: Int
    public var dataset: Dataset
    public var models: [Entry]

    /// The bundled test split: two IDX files, gzip-compressed, and how to normalise its pixels.
    public struct Dataset: Decodable {
        public var name: String
        public var split: String
        public var images: String
        public var labels: String
        public var count: Int
        public var normalize: Normalize
        public var source: String?
    }

    /// torchvision's `Normalize` values.
    public struct Normalize: Decodable {
        public var mean: Double
        public var std: Double
    }

    /// One bundled model.
    public struct Entry: Decodable {
        public var name: String
        public var file: String
        /// `subnetwork` (a mask over random weights) or `dense` (every weight trained).
        public var kind: Kind
        public var architecture: String
        public var `init`: String
        public var seed: Int64?
        public var keep: Double
        public var pytorch: PyTorchResult
        public var training: Training?
    }

    /// What a bundled model is.
    public enum Kind: String, Codable {
        case subnetwork
        case dense
    }

    /// What PyTorch measured on the same test split, with the exported weights.
    public struct PyTorchResult: Decodable {
        public var correct: Int
        public var accuracy: Double
        /// The same weights with every weight kept (subnetworks only).
        public var randomWeightsCorrect: Int?
    }

    /// How the model was trained (shown, not checked).
    public struct Training: Codable {
        public var epochs: Int?
        public var optimizer: String?
        public var lr: Double?
        public var batchSize: Int?
        public var trainImages: Int?
        public var seconds: Double?
        public var torch: String?
    }
}

extension BundleManifest {
    /// Reads and checks `manifest.json` in `directory`: format and version, the files it names exist, counts in range.
    public static func load(directory: URL) throws -> BundleManifest {
        let path = directory.appendingPathComponent("manifest.json").path
        let bytes: [UInt8]
        do {
            bytes = try RegularFile.read(path, limit: largestFileBytes, what: "a manifest")
        } catch let error as SupermaskError where error.message == "no such file" {
            throw SupermaskError(file: path, "no such file: the bundle has no manifest")
        }
        do {
            return try parse(Data(bytes), directory: directory)
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
    }

    /// The manifest in `data`, checked as `load` checks it, with the files it names looked up in `directory`;
    /// errors name no file.
    public static func parse(_ data: Data, directory: URL) throws -> BundleManifest {
        guard data.count <= largestFileBytes else {
            throw SupermaskError("\(data.count) bytes, more than the \(largestFileBytes) a manifest may hold")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            // Format and version first: another kind of file, or a later version, is not reported as a missing field.
            let header = try decoder.decode(Header.self, from: data)
            guard header.format == Self.formatName else {
                throw SupermaskError("format '\(header.format.escapedForDisplay(limit: 60))' is not '\(Self.formatName)'")
            }
            guard header.version == Self.formatVersion else {
                throw SupermaskError("version \(header.version) is not supported (this supermask reads version \(Self.formatVersion))")
            }
            let manifest = try decoder.decode(BundleManifest.self, from: data)
            try manifest.check(directory: directory)
            return manifest
        } catch let error as DecodingError {
            throw SupermaskError(error.oneLine.escapedForDisplay(limit: 300))
        }
    }

    /// The two keys every version has.
    private struct Header: Decodable {
        var format: String
        var version: Int
    }

    private func check(directory: URL) throws {
        guard (1...Self.maxImages).contains(dataset.count) else {
            throw SupermaskError("dataset count \(dataset.count) is outside 1…\(Self.maxImages)")
        }
        guard !models.isEmpty else { throw SupermaskError("lists no models") }
        guard models.count <= Self.maxModels else { throw SupermaskError("lists \(models.count) models, more than \(Self.maxModels)") }
        var files = [dataset.images, dataset.labels]
        for model in models {
            let name = model.name.escapedForDisplay(limit: 60)
            guard (0...dataset.count).contains(model.pytorch.correct) else {
                throw SupermaskError("\(name): pytorch.correct \(model.pytorch.correct) is outside 0…\(dataset.count)")
            }
            if let random = model.pytorch.randomWeightsCorrect, !(0...dataset.count).contains(random) {
                throw SupermaskError("\(name): pytorch.random_weights_correct \(random) is outside 0…\(dataset.count)")
            }
            guard Architecture.named(model.architecture) != nil else {
                throw SupermaskError("\(name): architecture '\(model.architecture.escapedForDisplay(limit: 60))' is not one of \(Architecture.catalogueNames)")
            }
            guard model.keep > 0, model.keep <= 1 else { throw SupermaskError("\(name): keep \(model.keep) is outside (0, 1]") }
            files.append(model.file)
        }
        for file in files {
            // Files are named relative to the bundle, never elsewhere.
            let shown = file.escapedForDisplay(limit: 60)
            guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
                throw SupermaskError("file name '\(shown)' is not a plain name inside the bundle")
            }
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) else {
                throw SupermaskError("names \(shown), which is not in \(directory.path)")
            }
        }
    }
}

extension DecodingError {
    /// What is wrong with a JSON document, in one line naming the key (`models[1].pytorch.correct`).
    var oneLine: String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
        }
        func detail(_ context: Context) -> String { context.debugDescription.trimmingCharacters(in: [".", " "]) }
        switch self {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing key '\(parent.isEmpty ? "" : parent + ".")\(key.stringValue.snakeCased)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "'\(path(context.codingPath).snakeCased)' has the wrong type: \(detail(context))"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            let place = path(context.codingPath)
            guard !place.isEmpty else { return "not valid JSON: \(underlying ?? detail(context))" }
            return "'\(place.snakeCased)': \(detail(context))"
        @unknown default:
            return "not a valid manifest"
        }
    }
}

private extension String {
    /// `randomWeightsCorrect` → `random_weights_correct`: keys as the file spells them.
    var snakeCased: String {
        reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
