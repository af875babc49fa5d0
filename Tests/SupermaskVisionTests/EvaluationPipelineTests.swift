import Foundation
import Testing
import SupermaskCore
import SupermaskEngine
@testable import SupermaskVision

@Suite struct EvaluationPipelineTests {
    /// Small crops keep the reference engine fast; the tiny ResNet pools globally.
    static let settings = EvaluationSettings(
        batchSize: 3, decodeThreads: 2,
        transform: ImageTransform(
            geometry: .resizeAndCrop(shorterSide: 64, crop: 56), mean: [0.485, 0.456, 0.406],
            standardDeviation: [0.229, 0.224, 0.225]))

    static let images = ["photo-420.JPEG", "photo-444.JPEG", "photo-422.JPEG", "progressive.JPEG", "gray.JPEG", "cmyk.JPEG", "png-named.JPEG", "palette.png"]

    /// A 10-class ImageFolder of the fixture images plus one broken file of each kind.
    static func dataset(_ folders: DatasetFolders) throws -> ImageDataset {
        try folders.imageFolder(classes: 10, images: images)
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: VisionFixtures.path("photo-420.JPEG")))
        try folders.write(jpeg.prefix(jpeg.count / 2), to: "val/n00000008/truncated.JPEG")
        try folders.write(Data(), to: "val/n00000009/empty.JPEG")
        try folders.write(Data("not an image\n".utf8), to: "val/n00000009/text.JPEG")
        return try ImageDataset.open(folders.root)
    }

    /// The logits the engine gives each image when run alone, decoded and preprocessed the same way.
    static func expectedPredictions(_ dataset: ImageDataset, engine: any InferenceEngine) throws -> [Prediction] {
        try dataset.images.compactMap { image in
            guard let decoded = try? ImageDecoder.decode(contentsOf: image.path) else { return nil }
            let input = try settings.transform.apply(to: decoded)
            let logits = try engine.logits(for: Tensor(shape: [1, 3, 56, 56], scalars: input))
            let order = logits.scalars.indices.sorted { logits.scalars[$0] > logits.scalars[$1] || (logits.scalars[$0] == logits.scalars[$1] && $0 < $1) }
            return Prediction(path: image.path, label: image.label, top: Array(order.prefix(5)))
        }
    }

    @Test func classifiesInDatasetOrderAndCountsBrokenFiles() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        let dataset = try Self.dataset(folders)
        let engine = try TinyModel.engine()
        var failures: [String] = []
        var predictions: [Prediction] = []
        var reports = 0
        let result = try EvaluationPipeline.run(dataset.images[...], engine: engine, settings: Self.settings) { event in
            switch event {
            case .imageFailed(let path, let problem): failures.append("\(URL(fileURLWithPath: path).lastPathComponent): \(problem)")
            case .classified(let rows): predictions += rows
            case .progress: reports += 1
            case .imageWarning(let path, let warning): failures.append("unexpected warning \(path): \(warning)")
            }
        }
        #expect(failures.count == 3)
        #expect(failures.contains("empty.JPEG: empty file"))
        #expect(failures.contains { $0.hasPrefix("text.JPEG: not a JPEG or PNG image") })
        #expect(failures.contains { $0.hasPrefix("truncated.JPEG: cannot decode JPEG: image file is truncated") })
        #expect(result.tally.images == 8 && result.tally.errors == 3 && result.done == 11)
        #expect(reports == 4)  // 11 images in batches of 3
        let expected = try Self.expectedPredictions(dataset, engine: engine)
        #expect(predictions == expected)
        #expect(result.tally.top1Hits == expected.filter(\.isTop1Hit).count)
        #expect(result.tally.top5Hits == expected.filter(\.isTop5Hit).count)
    }

    @Test func strictStopsAtTheFirstBrokenFile() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        let dataset = try Self.dataset(folders)
        var settings = Self.settings
        settings.strict = true
        let error = try #require(throws: SupermaskError.self) {
            try EvaluationPipeline.run(dataset.images[...], engine: try TinyModel.engine(), settings: settings) { _ in }
        }
        #expect(error.file?.hasSuffix("truncated.JPEG") == true)
    }

    /// An image above the warning level is classified with a warning; --strict stops at it. A limit of 50,000
    /// pixels puts the 120×80 and 90×120 fixtures (9,600 and 10,800) under it and 500×375 above.
    @Test func imagesAboveTheWarningLevelWarnAndStrictStopsAtThem() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        try folders.imageFolder(classes: 10, images: ["photo-420.JPEG"])
        try folders.write(try Data(contentsOf: URL(fileURLWithPath: VisionFixtures.path("photo-420.JPEG"))), to: "val/n00000001/again.JPEG")
        let dataset = try ImageDataset.open(folders.root)
        var settings = Self.settings
        settings.limits = ImageLimits(maxPixels: 5_000, maxJPEGScans: 100)
        var warnings: [String] = []
        let result = try EvaluationPipeline.run(dataset.images[...], engine: try TinyModel.engine(), settings: settings) { event in
            if case .imageWarning(_, let warning) = event { warnings.append(warning) }
        }
        #expect(result.tally.images == 2 && result.tally.errors == 0)
        #expect(warnings == Array(repeating: "image of 120×80 = 9,600 pixels exceeds --max-image-pixels 5,000 (Pillow's decompression bomb warning); decoding it anyway", count: 2))
        settings.strict = true
        let error = try #require(throws: SupermaskError.self) {
            try EvaluationPipeline.run(dataset.images[...], engine: try TinyModel.engine(), settings: settings) { _ in }
        }
        #expect(error.file == dataset.images[0].path)
        settings.limits = ImageLimits(maxPixels: 4_000, maxJPEGScans: 100)
        settings.strict = false
        let refused = try EvaluationPipeline.run(dataset.images[...], engine: try TinyModel.engine(), settings: settings) { _ in }
        #expect(refused.tally.images == 0 && refused.tally.errors == 2)
    }

    @Test func mergedShardsEqualOneRun() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        let dataset = try Self.dataset(folders)
        let engine = try TinyModel.engine()
        let model = try TinyModel.load()
        let facts = try ModelFacts(model: model, file: TinyModel.path)
        func record(_ shard: Shard) throws -> EvaluationRecord {
            let images = dataset.selection(limit: nil, shard: shard)
            let result = try EvaluationPipeline.run(images, engine: engine, settings: Self.settings) { _ in }
            return EvaluationRecord(
                model: "tiny", tally: result.tally, seconds: result.seconds, preset: .imagenet, transform: Self.settings.transform,
                modelFacts: facts, dataset: dataset.folder, datasetImages: dataset.images.count, shard: shard)
        }
        let whole = try record(.whole)
        let shards = try (0..<3).map { try record(Shard(index: $0, count: 3)) }
        let merged = try EvaluationRecord.merging(shards.enumerated().map { ("shard\($0).json", $1) })
        #expect(merged.tally == whole.tally)
        #expect(merged.top1 == whole.top1 && merged.top5 == whole.top5)
        #expect(merged.shards == ["0/3", "1/3", "2/3"])
        #expect(whole.images == 8 && whole.errors == 3)

        #expect(throws: SupermaskError("shards 2/3 are missing; give every shard's record")) {
            try EvaluationRecord.merging(shards.prefix(2).enumerated().map { ("shard\($0).json", $1) })
        }
        #expect(throws: SupermaskError(file: "b.json", "shard 0/3 is also in a.json")) {
            try EvaluationRecord.merging([("a.json", shards[0]), ("b.json", shards[0])])
        }
        var other = shards[1]
        other.model_sha256 = String(repeating: "0", count: 64)
        #expect(throws: SupermaskError.self) { try EvaluationRecord.merging([("a.json", shards[0]), ("b.json", other), ("c.json", shards[2])]) }
        var otherTransform = shards[1]
        otherTransform.mean = [0.5, 0.5, 0.5]
        #expect(throws: SupermaskError(file: "b.json", "mean is [0.5, 0.5, 0.5] but [0.485, 0.456, 0.406] in a.json; only shards of one run merge")) {
            try EvaluationRecord.merging([("a.json", shards[0]), ("b.json", otherTransform), ("c.json", shards[2])])
        }
    }

    @Test func topIndicesBreakTiesByLowerIndex() {
        let logits: [Float] = [0.5, 2, 2, -1, 3, 0.5, 0.5]
        let top = logits.withUnsafeBufferPointer { topIndices(of: $0, row: 0, classes: 7, k: 5) }
        #expect(top == [4, 1, 2, 0, 5])
    }
}
