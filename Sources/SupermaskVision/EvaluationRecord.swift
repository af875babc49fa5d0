import Foundation
import SupermaskCore

/// The JSON record `supermask eval --json` writes: timm's results fields (model, top1, top1_err, top5, top5_err,
/// param_count in millions, img_size, crop_pct, interpolation) plus what a supermask run adds. Hit counts are
/// kept so that `supermask merge` can add shards exactly. docs/evaluation.md specifies every field.
public struct EvaluationRecord: Codable, Sendable, Equatable {
    /// The model file as given on the command line.
    public var model: String
    /// Top-1 accuracy, percent of the classified images.
    public var top1: Double
    /// 100 − top1.
    public var top1_err: Double
    /// Top-5 accuracy, percent of the classified images.
    public var top5: Double
    /// 100 − top5.
    public var top5_err: Double
    /// All parameters (weights and BN affine), in millions, as timm reports it.
    public var param_count: Double
    /// The crop side (224), or the images' width when the transform does not crop.
    public var img_size: Int
    /// Crop / resized shorter side (0.875); 1 when the transform does not resize.
    public var crop_pct: Double
    /// The resize filter, "bilinear" unless --interpolation says otherwise.
    public var interpolation: String
    /// The preset the transform started from: "imagenet", "cifar10" or "mnist".
    public var preset: String
    /// One preprocessed image's shape (channels, height, width), timm's input_size.
    public var input_size: [Int]
    /// Normalize's per-channel mean.
    public var mean: [Double]
    /// Normalize's per-channel standard deviation.
    public var std: [Double]
    /// Parameters the supermask keeps (kept weights and BN affine).
    public var kept_params: Int
    /// Kept weights / weights over the convolution and linear layers.
    public var density: Double
    /// Size of the model file.
    public var model_bytes: Int
    /// SHA-256 of the model file, lowercase hex.
    public var model_sha256: String
    /// Images classified.
    public var images: Int
    /// Images that could not be read.
    public var errors: Int
    /// Wall seconds of the run (for merged records, the sum over shards).
    public var seconds: Double
    /// Images whose true class was the first prediction.
    public var top1_correct: Int
    /// Images whose true class was among the first five.
    public var top5_correct: Int
    /// The dataset folder evaluated.
    public var dataset: String
    /// Images in the dataset after --limit, before sharding.
    public var dataset_images: Int
    /// `I/N` for one shard; the list of merged shards' `I/N` otherwise.
    public var shards: [String]

    /// A record for one run.
    public init(
        model: String, tally: EvaluationTally, seconds: Double, preset: ImagePreset, transform: ImageTransform,
        modelFacts: ModelFacts, dataset: String, datasetImages: Int, shard: Shard
    ) {
        self.model = model
        top1 = tally.top1
        top1_err = 100 - tally.top1
        top5 = tally.top5
        top5_err = 100 - tally.top5
        param_count = Double(modelFacts.parameters) / 1e6
        img_size = transform.imageSize
        crop_pct = transform.cropFraction
        interpolation = transform.filter.rawValue
        self.preset = preset.rawValue
        input_size = transform.imageShape
        mean = transform.mean
        std = transform.standardDeviation
        kept_params = modelFacts.keptParameters
        density = modelFacts.density
        model_bytes = modelFacts.bytes
        model_sha256 = modelFacts.sha256
        images = tally.images
        errors = tally.errors
        self.seconds = seconds
        top1_correct = tally.top1Hits
        top5_correct = tally.top5Hits
        self.dataset = dataset
        dataset_images = datasetImages
        shards = [shard.description]
    }

    /// The counts behind the percentages.
    public var tally: EvaluationTally {
        EvaluationTally(images: images, errors: errors, top1Hits: top1_correct, top5Hits: top5_correct)
    }

    /// Combines the records of disjoint shards of one dataset and model into the record of one run: counts
    /// add, accuracies are recomputed from them, seconds add. Throws if the records are of different model files
    /// (by digest), transforms, dataset sizes or shard counts, repeat a shard, or miss one. Paths may differ:
    /// shards often run on machines that mount the data elsewhere.
    public static func merging(_ records: [(file: String, record: EvaluationRecord)]) throws -> EvaluationRecord {
        guard let (firstFile, first) = records.first else { throw SupermaskError("no records to merge") }
        var seen: [String: String] = [:]
        var shardCount: Int?
        for (file, record) in records {
            for (field, mine, theirs) in [
                ("model_sha256", record.model_sha256, first.model_sha256),
                ("img_size", "\(record.img_size)", "\(first.img_size)"),
                ("crop_pct", "\(record.crop_pct)", "\(first.crop_pct)"),
                ("interpolation", record.interpolation, first.interpolation),
                ("input_size", "\(record.input_size)", "\(first.input_size)"),
                ("mean", "\(record.mean)", "\(first.mean)"),
                ("std", "\(record.std)", "\(first.std)"),
                ("dataset_images", "\(record.dataset_images)", "\(first.dataset_images)"),
            ] where mine != theirs {
                throw SupermaskError(
                    file: file,
                    "\(field) is \(mine.escapedForDisplay(limit: 80)) but \(theirs.escapedForDisplay(limit: 80)) in \(firstFile); only shards of one run merge")
            }
            for text in record.shards {
                let shard = try Shard(parsing: text)
                if let count = shardCount, count != shard.count {
                    throw SupermaskError(file: file, "shard \(text) is of \(shard.count) shards, others of \(count)")
                }
                shardCount = shard.count
                if let other = seen[text] { throw SupermaskError(file: file, "shard \(text) is also in \(other)") }
                seen[text] = file
            }
        }
        let count = shardCount ?? 1
        let missing = (0..<count).map { "\($0)/\(count)" }.filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw SupermaskError("shards \(missing.joined(separator: ", ")) are missing; give every shard's record")
        }
        var merged = first
        let tally = records.dropFirst().reduce(first.tally) { $0 + $1.record.tally }
        merged.top1 = tally.top1
        merged.top1_err = 100 - tally.top1
        merged.top5 = tally.top5
        merged.top5_err = 100 - tally.top5
        merged.images = tally.images
        merged.errors = tally.errors
        merged.top1_correct = tally.top1Hits
        merged.top5_correct = tally.top5Hits
        merged.seconds = records.reduce(0) { $0 + $1.record.seconds }
        merged.shards = (0..<count).map { "\($0)/\(count)" }
        return merged
    }
}

/// Facts about the evaluated model file that go into the record.
public struct ModelFacts: Sendable {
    /// All parameters: weights and BN affine parameters.
    public var parameters: Int
    /// Kept weights plus BN affine parameters.
    public var keptParameters: Int
    /// Kept weights / weights.
    public var density: Double
    /// Size of the model file.
    public var bytes: Int
    /// SHA-256 of the model file.
    public var sha256: String

    /// Counts the parameters of `model` and digests the file it was loaded from.
    public init(model: Model, file: String) throws {
        var weights = 0
        var kept = 0
        for convolution in model.architecture.convolutions {
            let parameters = model.parameters(of: convolution)
            weights += parameters.weight.count
            kept += parameters.keptCount
        }
        let affine = model.architecture.batchNorms.reduce(0) { total, norm in
            let parameters = model.parameters(of: norm)
            return total + (parameters.scale?.count ?? 0) + (parameters.shift?.count ?? 0)
        }
        parameters = weights + affine
        keptParameters = kept + affine
        density = weights == 0 ? 0 : Double(kept) / Double(weights)
        let attributes = try? FileManager.default.attributesOfItem(atPath: file)
        bytes = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        sha256 = try SHA256.hexDigest(ofFile: file)
    }
}
