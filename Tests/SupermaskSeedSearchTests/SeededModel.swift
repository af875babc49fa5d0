import SupermaskCore
import SupermaskHDF5
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

extension SeededModel {
    /// Writes the checkpoint `get_model` would give under `recipe` (weights and initial scores, BN statistics 0 and
    /// 1) as tools/pth2h5.py converts it, with `keep` and the `source_format` torch.save used.
    static func writeCheckpoint(
        _ architecture: Architecture, _ recipe: TorchSeedRecipe, keep: Double = 0.5, sourceFormat: String = "zip", to path: String
    ) throws {
        let generator = try TorchSeedGenerator(architecture: architecture, recipe: recipe)
        var tensors: [(name: String, tensor: CheckpointWriter.Tensor)] = []
        for layer in generator.generate([.weights, .scores]) {
            let convolution = layer.layer.convolution
            tensors.append(("\(convolution.name).weight", .float32(shape: convolution.weightShape, values: layer.weights ?? [])))
            tensors.append(("\(convolution.name).scores", .float32(shape: convolution.weightShape, values: layer.scores ?? [])))
        }
        for norm in architecture.batchNorms {
            tensors.append(("\(norm.name).running_mean", .float32(shape: [norm.channels], values: [Float](repeating: 0, count: norm.channels))))
            tensors.append(("\(norm.name).running_var", .float32(shape: [norm.channels], values: [Float](repeating: 1, count: norm.channels))))
        }
        try CheckpointWriter.write(
            path: path,
            attributes: [("arch", .text(architecture.name)), ("keep", .real(keep)), ("source_format", .text(sourceFormat))],
            tensors: tensors)
    }
}
