import ArgumentParser
import SupermaskCore
import SupermaskFormat
import SupermaskHDF5

/// `supermask init`: a randomly weighted network from the seeded generator (docs/generator.md).
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a randomly weighted network drawn by supermask's seeded generator (an .h5 checkpoint without scores).",
        discussion: """
            The weights are exactly those docs/generator.md defines for the seed, so once a mask has been found over
            them (scores added to the file), `supermask export` stores the subnetwork as its mask and the seed alone.
            """)

    @Option(help: "The architecture (\(Architecture.catalogueNames)).")
    var arch: String

    @Option(help: "The weight distribution: kaiming-normal or signed-constant.")
    var `init`: String

    @Option(help: "The generator's seed, 0 … 2^63 − 1.")
    var seed: Int64

    @Option(name: .shortAndLong, help: "The .h5 file to write.")
    var output: String

    func run() throws {
        try reportingErrors {
            guard let architecture = Architecture.named(arch) else {
                throw SupermaskError("unknown architecture '\(arch)'; known: \(Architecture.catalogueNames)")
            }
            guard let initialisation = WeightGenerator.Initialisation(rawValue: `init`) else {
                throw SupermaskError("unknown init '\(`init`)'; use kaiming-normal or signed-constant")
            }
            guard seed >= 0 else { throw SupermaskError("seed \(seed) is negative; use 0 … \(Int64.max)") }
            let generator = WeightGenerator(seed: UInt64(seed), initialisation: initialisation)
            var tensors: [(name: String, tensor: CheckpointWriter.Tensor)] = []
            var layerIndex = 0
            Layer.walk(architecture.layers) { layer in
                switch layer {
                case .convolution(let convolution):
                    let weights = generator.weights(layerIndex: layerIndex, count: convolution.weightCount, fanIn: convolution.fanIn)
                    tensors.append(("\(convolution.name).weight", .float32(shape: convolution.weightShape, values: weights)))
                    layerIndex += 1
                case .batchNorm(let norm):
                    // PyTorch's initial running statistics.
                    tensors.append(("\(norm.name).running_mean", .float32(shape: [norm.channels], values: .init(repeating: 0, count: norm.channels))))
                    tensors.append(("\(norm.name).running_var", .float32(shape: [norm.channels], values: .init(repeating: 1, count: norm.channels))))
                    tensors.append(("\(norm.name).num_batches_tracked", .int64(shape: [], values: [0])))
                default:
                    break
                }
            }
            let attributes: [(key: String, value: MetadataValue)] = [
                ("converter", .text("supermask init 1.0")), ("arch", .text(architecture.name)),
                ("generator", .text(WeightGenerator.identifier)), ("seed", .integer(seed)), ("init", .text(initialisation.rawValue)),
                ("epoch", .integer(0)),
            ]
            try CheckpointWriter.write(path: output, attributes: attributes, tensors: tensors)
            let count = architecture.convolutions.reduce(0) { $0 + $1.weightCount }
            print("wrote \(output): \(architecture.name), \(grouped(count)) \(initialisation.rawValue) weights from \(WeightGenerator.identifier) seed \(seed)")
        }
    }
}
