import ArgumentParser
import SupermaskCore

/// The bounds on what a model file may claim (docs/security.md), shared by every command that loads a model: the
/// defaults fit every catalogue network at inputs up to 1024×1024, and these flags raise them for bigger ones.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("max-weights"), help: "Refuse a model with more weights than this.")
    var maxWeights = ModelLimits.standard.weights

    @Option(name: .customLong("max-activations"),
            help: "Refuse a model or input whose largest activation of one image holds more values than this.")
    var maxActivations = ModelLimits.standard.imageActivations

    @Option(name: .customLong("max-batch-activations"),
            help: "Refuse a batch (or threads × images) whose largest activation holds more values than this.")
    var maxBatchActivations = ModelLimits.standard.batchActivations

    @Option(name: .customLong("max-multiply-adds"), help: "Refuse a model or input that costs more multiply-adds per image.")
    var maxMultiplyAdds = ModelLimits.standard.multiplyAdds

    /// The bounds the flags give.
    var limits: ModelLimits {
        ModelLimits(weights: maxWeights, imageActivations: maxActivations, batchActivations: maxBatchActivations,
                    multiplyAdds: maxMultiplyAdds)
    }

    func validate() throws {
        do { try limits.validate() } catch let error as SupermaskError { throw ValidationError(error.message) }
    }
}

extension ModelLimits {
    /// Throws when a batch of `images` images of `imageShape` (channels, height, width) would exceed these limits on
    /// `architecture`: what a command checks before it allocates such a batch. A shape the architecture does not
    /// take is left to the engine to refuse, with its own message.
    func checkBatch(images: Int, imageShape: [Int], for architecture: Architecture) throws {
        guard (try? architecture.validateInput(shape: [images] + imageShape)) != nil else { return }
        let shapes = try NetworkShapes(architecture, input: imageShape)
        try checkImage(shapes)
        try checkBatch(images: images, of: shapes, as: "a batch of \(images) images")
    }
}
