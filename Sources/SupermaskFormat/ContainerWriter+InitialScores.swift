import SupermaskCore
import SupermaskTorchInit

extension ContainerWriter {
    /// Every masked layer's smallest coding with the initial-scores coder competing (docs/format.md §5.2), by
    /// state-dict index: one pass over the torch stream regenerates each layer's initial scores and weights in
    /// construction order, one layer at a time.
    static func masksCodedWithInitialScores(_ model: Model, record: TorchSeedRecord) throws -> [Int: CodedMask] {
        var coded: [Int: CodedMask] = [:]
        try record.generator(for: model.architecture).forEachLayer([.weights, .scores]) { tensors in
            let convolution = tensors.layer.convolution
            if let mask = model.parameters(of: convolution).mask, let scores = tensors.scores, let weights = tensors.weights {
                coded[tensors.layer.index] = CodedMask.smallest(mask, side: MaskSideInformation(scores: scores, weights: weights, rowLength: convolution.fanIn))
            }
            return true
        }
        return coded
    }
}
