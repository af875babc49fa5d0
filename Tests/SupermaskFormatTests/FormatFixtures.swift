import Foundation
import SupermaskCore
import SupermaskFormat
import SupermaskHDF5
import Testing

/// A small network with every kind of layer the container describes: a residual block with a projection
/// shortcut, masked and dense convolutions, affine and plain batch norms. Its container is about 1 KB.
enum TinyNetwork {
    static let architecture = Architecture(
        name: "tiny-test", inputShape: [3, 8, 8], inputRule: .anySize(minimumSide: 2), classCount: 5,
        layers: [
            .convolution(Convolution("stem", 3, 4, kernel: 3)),
            .batchNorm(BatchNorm("stem_bn", channels: 4)),
            .relu,
            .maxPool(kernel: 3, stride: 2, padding: 1),
            .residual(
                body: [
                    .convolution(Convolution("block.conv", 4, 8, kernel: 3, stride: 2)),
                    .batchNorm(BatchNorm("block.bn", channels: 8)),
                ],
                shortcut: [.convolution(Convolution("block.shortcut", 4, 8, kernel: 1, stride: 2))]),
            .relu,
            .globalAveragePool,
            .convolution(Convolution("fc", 8, 5, kernel: 1)),
        ])

    /// Signed-constant weights from the generator, masks keeping `keep` of the scores drawn by `seed`;
    /// `block.shortcut` is dense and `block.bn` affine.
    static func model(seed: UInt64 = 3, keep: Double = 0.3, initialisation: WeightGenerator.Initialisation = .signedConstant) throws -> Model {
        let fraction = try KeepFraction(keep)
        var random = SplitMix64(seed: seed)
        let generator = WeightGenerator(seed: seed, initialisation: initialisation)
        var convolutions: [String: ConvolutionParameters] = [:]
        for (index, convolution) in architecture.convolutions.enumerated() {
            let weight = generator.weights(layerIndex: index, count: convolution.weightCount, fanIn: convolution.fanIn)
            if convolution.name == "block.shortcut" {
                convolutions[convolution.name] = ConvolutionParameters(weight: weight, mask: nil)
            } else {
                let scores = (0..<convolution.weightCount).map { _ in Float(random.nextUnit()) - 0.5 }
                let (mask, ties) = BitMask.keepingLargestMagnitudes(of: scores, keep: fraction)
                convolutions[convolution.name] = ConvolutionParameters(weight: weight, mask: mask, tiesAtThreshold: ties)
            }
        }
        var norms: [String: BatchNormParameters] = [:]
        for norm in architecture.batchNorms {
            let mean = (0..<norm.channels).map { _ in Float(random.nextUnit()) - 0.5 }
            let variance = (0..<norm.channels).map { _ in Float(random.nextUnit()) + 0.5 }
            norms[norm.name] = norm.name == "block.bn"
                ? BatchNormParameters(runningMean: mean, runningVariance: variance, scale: mean.map { $0 + 1 }, shift: variance)
                : BatchNormParameters(runningMean: mean, runningVariance: variance)
        }
        return Model(
            architecture: architecture, convolutions: convolutions, batchNorms: norms, keep: fraction,
            metadata: [
                ("generator", .text(WeightGenerator.identifier)), ("seed", .integer(Int64(seed))),
                ("init", .text(initialisation.rawValue)), ("best_acc1", .real(12.5)),
            ])
    }
}

/// A small deterministic generator for test data (Steele, Lea and Flood's SplitMix64).
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
