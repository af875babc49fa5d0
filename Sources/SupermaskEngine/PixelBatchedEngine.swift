import SupermaskCore

/// Runs a fully connected network (flatten, then 1×1 convolutions and ReLUs, as the FC architecture is) on a
/// batch of B images as one image of B pixels.
///
/// A 1×1 convolution applies the same matrix at every pixel, so B images of F features, laid out as one
/// F-channel image B pixels tall, give the same logits — but the engine then runs one matrix product per
/// layer, which its kernels tile, instead of B matrix-vector products that each stream the whole weight
/// matrix. Each logit is still the same sum of the same products.
public struct PixelBatchedEngine: InferenceEngine {
    private let engine: any InferenceEngine
    private let features: Int
    private let classCount: Int

    /// The adapter for `model`, planned for batches of `batchSize` images, or `nil` when the model is not a
    /// flatten followed by 1×1 convolutions and ReLUs.
    public init?(model: Model, batchSize: Int, makeEngine: (Model) -> any InferenceEngine) {
        let architecture = model.architecture
        guard architecture.layers.first.map(Self.isFlatten) == true else { return nil }
        let rest = architecture.layers.dropFirst()
        guard rest.allSatisfy(Self.isPointwise) else { return nil }
        var pixelModel = model
        features = architecture.inputShape.reduce(1, *)
        pixelModel.architecture = Architecture(
            name: architecture.name, inputShape: [features, batchSize, 1], inputRule: .anySize(minimumSide: 1),
            classCount: architecture.classCount, layers: Array(rest))
        classCount = architecture.classCount
        engine = makeEngine(pixelModel)
    }

    /// The logits [N, classes] of a batch [N, …] of N images of `features` elements each.
    public func logits(for input: Tensor) throws -> Tensor {
        let batch = input.shape.first ?? 0
        let (expected, overflow) = batch.multipliedReportingOverflow(by: features)
        guard batch >= 1, !overflow, input.count == expected else {
            throw SupermaskError("input shape \(input.shape.shapeDescription) does not hold images of \(features) elements")
        }
        // [N, F] → [1, F, N, 1]: feature-major, one pixel per image.
        var pixels = [Float](repeating: 0, count: input.count)
        for image in 0..<batch {
            for feature in 0..<features { pixels[feature * batch + image] = input.scalars[image * features + feature] }
        }
        let output = try engine.logits(for: Tensor(shape: [1, features, batch, 1], scalars: pixels))
        // [1, classes × N] in channel-major order → [N, classes].
        var logits = [Float](repeating: 0, count: batch * classCount)
        for image in 0..<batch {
            for label in 0..<classCount { logits[image * classCount + label] = output.scalars[label * batch + image] }
        }
        return Tensor(shape: [batch, classCount], scalars: logits)
    }

    private static func isFlatten(_ layer: Layer) -> Bool {
        if case .flatten = layer { return true }
        return false
    }

    private static func isPointwise(_ layer: Layer) -> Bool {
        switch layer {
        case .relu: return true
        case .convolution(let convolution): return convolution.kernel == 1 && convolution.stride == 1 && convolution.padding == 0
        default: return false
        }
    }
}
