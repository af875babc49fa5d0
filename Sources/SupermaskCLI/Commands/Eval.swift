import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskVision

/// `supermask eval`: top-1/top-5 with hidden-networks' test preprocessing (torchvision + Pillow), without Python.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model's top-1/top-5 accuracy on a validation folder (ImageNet, CIFAR-10 or MNIST images).",
        discussion: """
            Images are decoded and preprocessed exactly as torchvision + Pillow do (for --preset imagenet: \
            Resize(256) bilinear, CenterCrop(224), Normalize) on worker threads while the model runs. --data is \
            the root holding val/ or the validation folder itself: an ImageFolder (val/<class>/*.JPEG) or a flat \
            ILSVRC2012 folder with --labels. See docs/evaluation.md.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The dataset root holding val/, or the validation folder itself.")
    var data: String

    @Option(help: "Labels of a flat validation folder: a file,wnid CSV, or the devkit ground truth with --synsets.")
    var labels: String?

    @Option(help: "The synset list in devkit ID order (one wnid per line, first word), for --labels ground truth.")
    var synsets: String?

    @Option(name: .shortAndLong, help: "Images per model call (at most \(Eval.largestBatchSize)).")
    var batchSize: Int = 32

    @Option(help: "Evaluate only the first N images (in dataset order).")
    var limit: Int?

    @Option(help: "Evaluate slice I of N (0-based) of the dataset, e.g. 3/8; merge the records with `supermask merge`.")
    var shard: String = "0/1"

    @Option(
        name: [.customShort("j"), .customLong("workers"), .customLong("decode-threads")],
        help: "Threads that decode and preprocess images (at most \(Eval.largestDecodeThreads)).")
    var decodeThreads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount / 4)

    @Flag(help: "Stop at the first image that cannot be read, or the first dataset warning, instead of going on.")
    var strict = false

    @Option(help: "Write the result as a JSON record (timm's fields and more).")
    var json: String?

    @Option(help: "Write path,label,pred1,…,pred5 per image, in dataset order, to this CSV file.")
    var predictions: String?

    @OptionGroup var transformOptions: TransformOptions

    @OptionGroup var imageLimits: ImageLimitOptions

    @OptionGroup var engineOptions: EngineOptions

    /// A batch of 1024 ImageNet crops is 617 MB of float32, and `--decode-threads` + 1 batches are in flight.
    static let largestBatchSize = 1024
    /// Each decoding thread holds one image at a time, at most about 1 GB at the default limits.
    static let largestDecodeThreads = 64

    func validate() throws {
        guard (1...Self.largestBatchSize).contains(batchSize) else {
            throw ValidationError("--batch-size must be in 1…\(Self.largestBatchSize), not \(batchSize)")
        }
        guard (1...Self.largestDecodeThreads).contains(decodeThreads) else {
            throw ValidationError("--workers must be in 1…\(Self.largestDecodeThreads), not \(decodeThreads)")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if synsets != nil && labels == nil { throw ValidationError("--synsets goes with --labels") }
        do { _ = try Shard(parsing: shard) } catch let error as SupermaskError { throw ValidationError(error.message) }
    }

    func run() throws {
        try reportingErrors {
            let shard = try Shard(parsing: shard)
            let dataset = try ImageDataset.open(data, labels: try labelSource())
            for warning in dataset.warnings {
                if strict { throw SupermaskError(file: dataset.folder, warning) }
                printError("supermask: warning: \(dataset.folder.escapedForDisplay()): \(warning.withControlCharactersEscaped)")
            }
            let model = try modelOptions.load()
            try dataset.checkClassCount(model.architecture.classCount, model: modelOptions.model)
            let transform = try transformOptions.transform()
            try transformOptions.checkFits(transform, architecture: model.architecture, batchSize: batchSize, model: modelOptions.model)
            let facts = try ModelFacts(model: model, file: try modelOptions.resolvedPath())
            let images = dataset.selection(limit: limit, shard: shard)
            guard !images.isEmpty else {
                throw SupermaskError(file: dataset.folder, "shard \(shard) of its \(min(limit ?? dataset.images.count, dataset.images.count)) images holds none; nothing to evaluate")
            }
            let settings = EvaluationSettings(
                batchSize: batchSize, decodeThreads: decodeThreads, strict: strict, transform: transform,
                limits: try imageLimits.limits())
            do {
                try modelOptions.limits.checkBatch(images: batchSize, imageShape: transform.imageShape, for: model.architecture)
            } catch let error as SupermaskError {
                throw error.inFile(modelOptions.model)
            }

            let csv = try predictions.map { try PredictionsWriter(path: $0, folder: dataset.folder, classes: dataset.classes) }
            var progressLine = ProgressLine()
            var firstFailure: String?
            let progress = try EvaluationPipeline.run(
                images, engine: engineOptions.makeEngine(for: model, limits: modelOptions.limits), settings: settings
            ) { event in
                switch event {
                case .imageFailed(let path, let problem):
                    progressLine.interrupt()
                    if firstFailure == nil { firstFailure = "\(path.escapedForDisplay()): \(problem.withControlCharactersEscaped)" }
                    printError("supermask: warning: \(path.escapedForDisplay()): \(problem.withControlCharactersEscaped) (counted under errors)")
                case .imageWarning(let path, let warning):
                    progressLine.interrupt()
                    printError("supermask: warning: \(path.escapedForDisplay()): \(warning.withControlCharactersEscaped)")
                case .classified(let rows):
                    csv?.write(rows)
                case .progress(let progress):
                    progressLine.show(progress)
                }
            }
            try csv?.close()
            guard progress.tally.images > 0 else {
                // A record of 0/0 would read as 0% accuracy in a batch job's results; there is no accuracy.
                throw SupermaskError(
                    file: dataset.folder,
                    "no image could be evaluated: all \(progress.tally.errors) failed to decode or preprocess (the first: \(firstFailure ?? "unknown"))")
            }

            let datasetImages = min(limit ?? dataset.images.count, dataset.images.count)
            let record = EvaluationRecord(
                model: modelOptions.model, tally: progress.tally, seconds: progress.seconds, preset: transformOptions.preset,
                transform: transform, modelFacts: facts, dataset: dataset.folder,
                datasetImages: datasetImages, shard: shard)
            if let json { try RecordFile.write(record, to: json) }
            for line in EvalReport.lines(record, architecture: model.architecture.name, progress: progress) {
                print(line)
            }
        }
    }

    private func labelSource() throws -> ValidationLabels.Source? {
        guard let labels else { return nil }
        let isCSV = labels.lowercased().hasSuffix(".csv")
        if isCSV { return .csv(labels, synsets: synsets) }
        guard let synsets else {
            throw SupermaskError(file: labels, "a devkit ground-truth list needs the synset order: add --synsets FILE (or give a file,wnid .csv)")
        }
        return .groundTruth(labels, synsets: synsets)
    }
}
