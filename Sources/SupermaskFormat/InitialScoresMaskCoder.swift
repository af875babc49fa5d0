import SupermaskCore

/// What the initial-scores mask coder conditions a layer's mask on: the initial scores and weights hidden-networks
/// drew for it, as the container's torch record regenerates them (flat order, n each).
public struct MaskSideInformation: Sendable {
    /// The initial scores (Kaiming-uniform draws): edge-popup's mask is the top-k of the *trained* |scores|, which
    /// start here, so a large initial |score| makes a kept weight likelier.
    public let scores: [Float]
    /// The frozen weights (for a Kaiming-normal model their magnitudes vary and move the scores' gradients).
    public let weights: [Float]

    public init(scores: [Float], weights: [Float]) {
        self.scores = scores
        self.weights = weights
    }
}

/// Mask coder 3 (docs/format.md §5.2): the adaptive coder with each weight's context the layer-relative quantile of
/// its initial |score|, optionally crossed with the quantile of its |weight|.
///
/// The coded block starts with two bytes, the log2 of the score bins and of the weight bins, then the range coder's
/// bytes. The writer tries a few bin counts and keeps the smallest; a reader only needs what the two bytes say.
enum InitialScoresMaskCoder {
    /// The largest log2 bin count of either kind, and of both together (`AdaptiveMaskCoder.maximumContextCount`).
    static let maximumLog2Bins = 8
    static let maximumLog2Contexts = 12

    /// How a block divides the contexts.
    struct Bins: Equatable {
        var scoreLog2: Int
        var weightLog2: Int
    }

    /// The bin counts the writer tries: the weights' magnitudes only say something when they vary (Kaiming normal).
    static func candidates(weightsVary: Bool) -> [Bins] {
        let scoreOnly = [4, 5, 6].map { Bins(scoreLog2: $0, weightLog2: 0) }
        return weightsVary ? scoreOnly + [Bins(scoreLog2: 5, weightLog2: 2), Bins(scoreLog2: 6, weightLog2: 3)] : scoreOnly
    }

    /// The context of every position: score bin · 2^w + weight bin.
    static func contexts(_ side: MaskSideInformation, bins: Bins) -> [UInt16] {
        let scoreBins = RankBins.bins(of: side.scores, log2Count: bins.scoreLog2)
        guard bins.weightLog2 > 0 else { return scoreBins }
        let weightBins = RankBins.bins(of: side.weights, log2Count: bins.weightLog2)
        return zip(scoreBins, weightBins).map { $0 << UInt16(bins.weightLog2) | $1 }
    }

    /// The block coding `mask` with `bins`.
    static func encode(_ mask: BitMask, side: MaskSideInformation, bins: Bins) -> [UInt8] {
        let coded = AdaptiveMaskCoder.encode(
            mask, contexts: contexts(side, bins: bins), contextCount: 1 << (bins.scoreLog2 + bins.weightLog2))
        return [UInt8(bins.scoreLog2), UInt8(bins.weightLog2)] + coded
    }

    /// The smallest block among the candidate bin counts.
    static func encodeSmallest(_ mask: BitMask, side: MaskSideInformation) -> [UInt8] {
        let first = side.weights.first { $0 != 0 }?.magnitude
        let weightsVary = side.weights.contains { $0 != 0 && $0.magnitude != first }
        var best: [UInt8]?
        for bins in candidates(weightsVary: weightsVary) {
            let block = encode(mask, side: side, bins: bins)
            if best.map({ block.count < $0.count }) ?? true { best = block }
        }
        return best ?? []
    }

    /// The mask of `count` bits, `keptCount` of them set, that `bytes` codes given the layer's side information.
    /// Work and memory are bounded by `count` and the (capped) bin counts, whatever the bytes say.
    static func decode(_ bytes: ArraySlice<UInt8>, count: Int, keptCount: Int, side: MaskSideInformation) throws -> BitMask {
        guard bytes.count >= 2 else { throw SupermaskError("the initial-scores mask has \(bytes.count) bytes, fewer than its 2-byte header") }
        let scoreLog2 = Int(bytes[bytes.startIndex]), weightLog2 = Int(bytes[bytes.startIndex + 1])
        guard scoreLog2 <= maximumLog2Bins, weightLog2 <= maximumLog2Bins, scoreLog2 + weightLog2 <= maximumLog2Contexts else {
            throw SupermaskError("the initial-scores mask asks for 2^\(scoreLog2) score bins and 2^\(weightLog2) weight bins; at most 2^\(maximumLog2Bins) each and 2^\(maximumLog2Contexts) together")
        }
        guard side.scores.count == count, side.weights.count == count else {
            throw SupermaskError("the regenerated layer has \(side.scores.count) scores for \(count) weights")
        }
        let bins = Bins(scoreLog2: scoreLog2, weightLog2: weightLog2)
        return AdaptiveMaskCoder.decode(
            bytes.dropFirst(2), count: count, keptCount: keptCount, contexts: contexts(side, bins: bins),
            contextCount: 1 << (scoreLog2 + weightLog2))
    }
}
