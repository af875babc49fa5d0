import SupermaskCore
import SupermaskTorchInit

/// Models regenerated from known seeds, as the original code would have built them.
enum SeededModel {
    /// A Frankle conv net small enough for debug builds: its first layer (3→8, 3×3) has 216 weights, the whole net
    /// about 34 thousand.
    static let tinyConv = Architecture.frankleConv(name: "Conv2", convolutionWidths: [8, 8], hidden: 16)

    /// A cifar ResNet small enough for debug builds, with BN and shortcuts built after their block's convolutions.
    static let tinyResNet = Architecture.cifarResNet(name: "cResNet18", block: .basic, blockCounts: [1, 1, 1, 1], planes: [4, 8, 8, 8])

    /// The model `get_model` builds under `recipe` (masks at `keep` from its initial scores; BN statistics 0 and 1),
    /// built in `constructionOrder` (hidden-networks' by default).
    static func model(
        _ architecture: Architecture, _ recipe: TorchSeedRecipe, keep: Double = 0.5, constructionOrder: [Int]? = nil,
        metadata: [(key: String, value: MetadataValue)] = []
    ) throws -> Model {
        let generator = try TorchSeedGenerator(architecture: architecture, recipe: recipe, constructionOrder: constructionOrder)
        let fraction = try KeepFraction(keep)
        var convolutions: [String: ConvolutionParameters] = [:]
        for tensors in generator.generate([.weights, .scores]) {
            let (mask, _) = BitMask.keepingLargestMagnitudes(of: tensors.scores ?? [], keep: fraction)
            convolutions[tensors.layer.convolution.name] = ConvolutionParameters(weight: tensors.weights ?? [], mask: mask)
        }
        var norms: [String: BatchNormParameters] = [:]
        for norm in architecture.batchNorms {
            norms[norm.name] = BatchNormParameters(
                runningMean: [Float](repeating: 0, count: norm.channels), runningVariance: [Float](repeating: 1, count: norm.channels))
        }
        return Model(architecture: architecture, convolutions: convolutions, batchNorms: norms, keep: fraction, metadata: metadata)
    }
}
