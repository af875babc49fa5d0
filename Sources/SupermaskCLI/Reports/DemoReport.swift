import Foundation
import SupermaskCore
import SupermaskEngine
import SupermaskFormat
import SupermaskZoo

/// What `supermask demo` shows: each bundled model's accuracy on the bundled test split next to PyTorch's,
/// the subnetworks' per-layer sparsity, the bytes each representation takes, and the time it all took.
struct DemoReport: Encodable {
    var bundle: String
    var dataset: DatasetSummary
    var models: [ModelResult]
    /// Whether every count equals the one PyTorch measured; `false` means a bug in supermask.
    var agreesWithPyTorch: Bool
    var threads: Int
    var seconds: Double

    /// The test split the models ran on.
    struct DatasetSummary: Encodable {
        var name: String
        var split: String
        var images: Int
        var source: String?
    }

    /// One bundled model: where it came from, how well it does, what it holds, what it takes.
    struct ModelResult: Encodable {
        var name: String
        var file: String
        var kind: BundleManifest.Kind
        var architecture: String
        var initialisation: String
        var seed: Int64?
        var keep: Double
        var accuracy: Accuracy
        /// The same weights with every weight kept; `nil` for a dense model, or when the file holds only the kept weights.
        var randomWeights: Accuracy?
        var layers: [InspectReport.LayerReport]
        var totals: InspectReport.Totals
        var size: Size
        var training: BundleManifest.Training?
    }

    /// Correct classifications, by supermask and by PyTorch.
    struct Accuracy: Encodable {
        var correct: Int
        var images: Int
        var accuracy: Double
        /// `nil` when the manifest does not record PyTorch's count.
        var pytorchCorrect: Int?
        var agreesWithPyTorch: Bool?
        var seconds: Double

        init(correct: Int, images: Int, pytorchCorrect: Int?, seconds: Double) {
            self.correct = correct
            self.images = images
            accuracy = Double(correct) / Double(images)
            self.pytorchCorrect = pytorchCorrect
            agreesWithPyTorch = pytorchCorrect.map { $0 == correct }
            self.seconds = seconds
        }
    }

    /// Bytes of the `.smask` on disk against what the same network takes stored as float32, counted as
    /// `supermask size` counts them (BN running statistics included as float32).
    struct Size: Encodable {
        var weightMode: String
        var smaskBytes: Int
        /// Float32 weights + float32 scores (+ BN statistics): what a released `.pth` holds.
        var weightsAndScoresBytes: Int
        var denseFloat32Bytes: Int

        init(model: Model, statistics: ContainerStatistics) {
            let weights = statistics.layers.reduce(0) { $0 + $1.weightCount }
            let batchNormBytes = model.batchNorms.values.reduce(0) { total, norm in
                total + 4 * (norm.runningMean.count + norm.runningVariance.count + (norm.scale?.count ?? 0) + (norm.shift?.count ?? 0))
            }
            let modes = Set(statistics.layers.map(\.weightMode.description)).sorted()
            weightMode = modes.count == 1 ? modes[0] : modes.joined(separator: "/")
            smaskBytes = statistics.fileBytes
            weightsAndScoresBytes = 8 * weights + batchNormBytes
            denseFloat32Bytes = 4 * weights + batchNormBytes
        }
    }
}

/// A bundled model loaded and checked against its manifest entry, before any image is read.
struct DemoModel {
    var entry: BundleManifest.Entry
    var path: String
    var model: Model
    var statistics: ContainerStatistics

    /// Loads `entry`'s file from `directory`: it must be the model the manifest describes.
    init(entry: BundleManifest.Entry, directory: URL) throws {
        self.entry = entry
        path = directory.appendingPathComponent(entry.file).path
        (model, statistics) = try ContainerReader.load(path: path)
        guard Architecture.named(entry.architecture)?.name == model.architecture.name else {
            throw SupermaskError(
                file: path,
                "holds a \(model.architecture.name.escapedForDisplay(limit: 80)) network, the manifest says \(entry.architecture.escapedForDisplay(limit: 80))")
        }
        let usesSeed = statistics.layers.contains { $0.weightMode == .seed }
        if usesSeed, let seed = entry.seed, let stored = model.metadata.first(where: { $0.key == "seed" })?.value,
           stored != .integer(seed) {
            throw SupermaskError(file: path, "holds weights of seed \(stored.description.escapedForDisplay(limit: 80)), the manifest says \(seed)")
        }
    }

    /// Throws unless the model takes the test split's images of `rows` × `columns` (known from its header, before
    /// the images are decompressed).
    func checkInput(rows: Int, columns: Int) throws {
        do {
            try model.architecture.validateInput(shape: [DemoTestSet.batchSize, 1, rows, columns])
        } catch let error as SupermaskError {
            throw SupermaskError("images of \(rows)×\(columns) do not fit \(entry.file.escapedForDisplay(limit: 80)): \(error.message)")
        }
    }
}

extension DemoReport.ModelResult {
    /// Evaluates one bundled model on the test split; `makeEngine` builds the engine that runs it.
    init(_ bundled: DemoModel, testSet: DemoTestSet, makeEngine: (Model) -> any InferenceEngine) throws {
        let (entry, model, statistics) = (bundled.entry, bundled.model, bundled.statistics)
        func engine(for model: Model) -> any InferenceEngine {
            PixelBatchedEngine(model: model, batchSize: DemoTestSet.batchSize, makeEngine: makeEngine) ?? makeEngine(model)
        }
        let images = testSet.labels.count
        // Engines are made (and their kernels chosen) before the clock starts: the times are inference alone.
        let masked = try testSet.correctCount(engine(for: model))
        accuracy = DemoReport.Accuracy(correct: masked.correct, images: images, pytorchCorrect: entry.pytorch.correct, seconds: masked.seconds)
        // Without a mask the dropped weights matter, and only a seed-stored file has them.
        let hasEveryWeight = statistics.layers.allSatisfy { $0.weightMode == .seed || $0.maskCoder == nil }
        if entry.kind == .subnetwork, hasEveryWeight {
            let unmasked = try testSet.correctCount(engine(for: model.withEveryWeightKept))
            randomWeights = DemoReport.Accuracy(
                correct: unmasked.correct, images: images, pytorchCorrect: entry.pytorch.randomWeightsCorrect, seconds: unmasked.seconds)
        } else {
            randomWeights = nil
        }

        let inspection = InspectReport(model: model, file: bundled.path)
        name = entry.name
        file = entry.file
        kind = entry.kind
        architecture = model.architecture.name
        initialisation = entry.`init`
        seed = entry.seed
        keep = entry.keep
        layers = inspection.layers
        totals = inspection.totals
        size = DemoReport.Size(model: model, statistics: statistics)
        training = entry.training
    }
}
