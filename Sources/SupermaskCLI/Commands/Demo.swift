import ArgumentParser
import Dispatch
import Foundation
import SupermaskCore
import SupermaskDatasets
import SupermaskZoo

/// `supermask demo`: the bundled MNIST subnetworks, never trained, against a dense-trained network — accuracy,
/// sparsity and bytes, checked against the counts PyTorch measured.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate the bundled MNIST subnetworks and their dense-trained baseline, with sizes and PyTorch's counts.",
        discussion: """
            The bundle (models/mnist in the repository) holds MNIST's test split and .smask files listed in its \
            manifest.json. Every model is evaluated on all test images; each count must equal the one PyTorch \
            measured, or the command says so and exits with status 1.
            """)

    @Option(help: "The bundle directory (default: models/mnist here, else in supermask's checkout or installation).")
    var bundle: String?

    @OptionGroup var engineOptions: EngineOptions

    @Flag(help: "Print the report as one JSON document.")
    var json = false

    func run() throws {
        let start = DispatchTime.now()
        try reportingErrors {
            let directory = try DemoBundleLocation.resolve(explicit: bundle)
            let manifest = try BundleManifest.load(directory: directory)
            // Every model is loaded and checked first, so that the test split's header can be checked against
            // them before its images are decompressed.
            let bundled = try manifest.models.map { try DemoModel(entry: $0, directory: directory) }
            // Labels must name a class of every model.
            let classCount = bundled.map(\.model.architecture.classCount).min() ?? 0
            let testSet = try loadTestSet(manifest.dataset, directory: directory, classCount: classCount, models: bundled)
            let models = try bundled.map { try DemoReport.ModelResult($0, testSet: testSet, makeEngine: engineOptions.makeEngine) }
            let agrees = models.allSatisfy { $0.accuracy.agreesWithPyTorch != false && $0.randomWeights?.agreesWithPyTorch != false }
            let report = DemoReport(
                bundle: directory.path,
                dataset: .init(name: manifest.dataset.name, split: manifest.dataset.split, images: testSet.labels.count, source: manifest.dataset.source),
                models: models, agreesWithPyTorch: agrees, threads: engineOptions.threads,
                seconds: Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
            let manifestPath = directory.appendingPathComponent("manifest.json").path
            if json { try printJSON(report, about: manifestPath) } else { print(report.text) }
            if !agrees {
                throw SupermaskError(file: manifestPath, "supermask's counts differ from PyTorch's; this is a bug in supermask, please report it")
            }
        }
    }

    /// The test split: its header checked against the manifest's count and every model's input before the images
    /// are decompressed, then normalised batch by batch as torchvision does.
    private func loadTestSet(
        _ dataset: BundleManifest.Dataset, directory: URL, classCount: Int, models: [DemoModel]
    ) throws -> DemoTestSet {
        let imagesPath = directory.appendingPathComponent(dataset.images).path
        let images = try LabelledImages.load(
            images: imagesPath, labels: directory.appendingPathComponent(dataset.labels).path, classCount: classCount
        ) { count, rows, columns in
            guard count == dataset.count else {
                throw SupermaskError("holds \(grouped(count)) images, the manifest says \(grouped(dataset.count))")
            }
            for model in models { try model.checkInput(rows: rows, columns: columns) }
        }
        let normalization: GreyscaleNormalization
        do {
            normalization = try GreyscaleNormalization(mean: dataset.normalize.mean, standardDeviation: dataset.normalize.std)
        } catch let error as SupermaskError {
            throw error.inFile(directory.appendingPathComponent("manifest.json").path)
        }
        return DemoTestSet(images: images, normalization: normalization)
    }
}
