import ArgumentParser
import SupermaskCore
import SupermaskVision

extension ImagePreset: ExpressibleByArgument {}
extension ResampleFilter: ExpressibleByArgument {}

/// The preprocessing of the commands that read image files: one of hidden-networks' test transforms, with
/// timm's evaluation flags to change it (docs/evaluation.md, "Presets and overrides").
struct TransformOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "hidden-networks' test transform: imagenet (Resize(256), CenterCrop(224)), cifar10 (32×32 RGB) or mnist (28×28 grayscale), both without resize.",
        valueName: "preset"))
    var preset: ImagePreset = .imagenet

    @Option(help: ArgumentHelp("Side of the square center crop (timm's --img-size); resizes to ⌊size / crop-pct⌋ first.", valueName: "pixels"))
    var imgSize: Int?

    @Option(help: ArgumentHelp("The crop as a fraction of the resized shorter side (timm's --crop-pct; imagenet: 0.875).", valueName: "fraction"))
    var cropPct: Double?

    @Option(help: ArgumentHelp("The resized shorter side itself, instead of --crop-pct (torchvision's Resize(N)).", valueName: "pixels"))
    var resize: Int?

    @Option(help: ArgumentHelp("Pillow's resize filter (default bilinear).", valueName: "filter"))
    var interpolation: ResampleFilter?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Normalize's mean, one value per channel (0.5 0.5 0.5 or 0.5,0.5,0.5).", valueName: "values"))
    var mean: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Normalize's standard deviation, one value per channel.", valueName: "values"))
    var std: [String] = []

    func validate() throws {
        do { _ = try transform() } catch let error as SupermaskError { throw ValidationError(error.message) }
    }

    /// The preset's transform with the overrides given.
    func transform() throws -> ImageTransform {
        try preset.transform(overriddenBy: ImagePreset.Overrides(
            imageSize: imgSize, cropFraction: cropPct, resize: resize, filter: interpolation,
            mean: try Self.numbers(mean, "--mean"), standardDeviation: try Self.numbers(std, "--std")))
    }

    /// Values given as separate words, comma-separated, or both; `nil` when none were given.
    private static func numbers(_ words: [String], _ option: String) throws -> [Double]? {
        guard !words.isEmpty else { return nil }
        return try words.flatMap { $0.split(separator: ",") }.map { word in
            guard let value = Double(word) else {
                throw SupermaskError("\(option): '\(String(word).escapedForDisplay(limit: 40))' is not a number")
            }
            return value
        }
    }

    /// Checks, before any image is decoded, that the model takes the images this transform makes.
    func checkFits(_ transform: ImageTransform, architecture: Architecture, batchSize: Int, model: String) throws {
        do {
            try architecture.validateInput(shape: [batchSize] + transform.imageShape)
        } catch let error as SupermaskError {
            let fitting = ImagePreset.allCases.filter { preset in
                (try? architecture.validateInput(shape: [1] + preset.transform.imageShape)) != nil
            }
            let hint = fitting.isEmpty || fitting.contains(preset)
                ? "" : "; --preset \(fitting.map(\.rawValue).joined(separator: " or ")) fits it"
            throw SupermaskError(
                file: model,
                "the \(preset.rawValue) transform makes \(transform.imageShape.map(String.init).joined(separator: "×")) images: \(error.message)\(hint)")
        }
    }
}
