import SupermaskCore

/// What the initial-scores mask coder conditions a layer's mask on: the initial scores and weights hidden-networks
/// drew for it, as the container's torch record regenerates them (flat order, n each), and its row length.
public struct MaskSideInformation: Sendable {
    /// The initial scores (Kaiming-uniform draws): edge-popup's mask is the top-k of the *trained* |scores|, which
    /// start here, so a large initial |score| makes a kept weight likelier.
    public let scores: [Float]
    /// The frozen weights (for a Kaiming-normal model their magnitudes vary and move the scores' gradients).
    public let weights: [Float]
    /// The weights per output channel (in-channels · kernel²): a row of the mask.
    public let rowLength: Int

    public init(scores: [Float], weights: [Float], rowLength: Int) {
        self.scores = scores
        self.weights = weights
        self.rowLength = rowLength
    }
}

/// Mask coder 3 (docs/format.md §5.2): the adaptive coder with each weight's context the layer-relative quantile of
/// its initial |score|, optionally crossed with the quantile of its |weight| and with what its column's and row's
/// coded bits say.
///
/// The coded block starts with three bytes — the log2 of the score bins and of the weight bins, and the feature
/// flags — then the range coder's bytes. The writer tries a few settings and keeps the smallest block; a reader only
/// needs what the three bytes say.
enum InitialScoresMaskCoder {
    /// The largest log2 bin count of either kind, and of all contexts together.
    static let maximumLog2Bins = 8
    static let maximumLog2Contexts = 14
    static let headerSize = 3

    /// How a block forms its contexts.
    struct Settings: Equatable {
        var scoreLog2: Int
        var weightLog2 = 0
        var features: InitialScoresContexts.Features = []

        var log2ContextCount: Int { scoreLog2 + weightLog2 + 2 * features.rawValue.nonzeroBitCount }
    }

    /// A layer's ranks of initial |score| and of |weight| (computed once, whatever settings are tried).
    struct Ranks {
        let scores: RankBins.Ranking
        let weights: RankBins.Ranking?

        init(_ side: MaskSideInformation, weights: Bool) {
            scores = RankBins.ranking(of: side.scores)
            self.weights = weights ? RankBins.ranking(of: side.weights) : nil
        }
    }

    /// The context model of a layer under `settings` (`ranks.weights` is needed when `settings.weightLog2` > 0).
    static func contexts(_ side: MaskSideInformation, ranks: Ranks, settings: Settings) -> InitialScoresContexts {
        var contexts = ranks.scores.bins(log2Count: settings.scoreLog2)
        if settings.weightLog2 > 0, let weightRanks = ranks.weights {
            let weightBins = weightRanks.bins(log2Count: settings.weightLog2)
            for index in contexts.indices { contexts[index] = contexts[index] << UInt16(settings.weightLog2) | weightBins[index] }
        }
        return InitialScoresContexts(
            staticContexts: contexts, staticContextCount: 1 << (settings.scoreLog2 + settings.weightLog2), ranks: ranks.scores.ranks,
            rowLength: side.rowLength, features: settings.features)
    }

    /// The block coding `mask` with `settings`.
    static func encode(_ mask: BitMask, side: MaskSideInformation, settings: Settings) -> [UInt8] {
        encode(mask, side: side, ranks: Ranks(side, weights: settings.weightLog2 > 0), settings: settings)
    }

    private static func encode(_ mask: BitMask, side: MaskSideInformation, ranks: Ranks, settings: Settings) -> [UInt8] {
        let header = [UInt8(settings.scoreLog2), UInt8(settings.weightLog2), settings.features.rawValue]
        return header + AdaptiveMaskCoder.encode(mask, model: contexts(side, ranks: ranks, settings: settings))
    }

    /// The smallest block found greedily: the score bins alone (16, 32 or 64), then the column and row features on
    /// the best of those, then — when the weights' magnitudes vary (Kaiming normal) — 4 or 8 weight bins.
    static func encodeSmallest(_ mask: BitMask, side: MaskSideInformation) -> [UInt8] {
        let first = side.weights.first { $0 != 0 }?.magnitude
        let weightsVary = side.weights.contains { $0 != 0 && $0.magnitude != first }
        let ranks = Ranks(side, weights: weightsVary)
        var best: (settings: Settings, block: [UInt8])?
        func consider(_ settings: Settings) {
            let block = encode(mask, side: side, ranks: ranks, settings: settings)
            if best.map({ block.count < $0.block.count }) ?? true { best = (settings, block) }
        }
        for scoreLog2 in [4, 5, 6] { consider(Settings(scoreLog2: scoreLog2)) }
        let scoreLog2 = best?.settings.scoreLog2 ?? 5
        for features: InitialScoresContexts.Features in [.column, .row, .all] {
            consider(Settings(scoreLog2: scoreLog2, features: features))
        }
        if weightsVary, let chosen = best?.settings {
            for weightLog2 in [2, 3] { consider(Settings(scoreLog2: chosen.scoreLog2, weightLog2: weightLog2, features: chosen.features)) }
        }
        return best?.block ?? []
    }

    /// The mask of `count` bits, `keptCount` of them set, that `bytes` codes given the layer's side information.
    /// Work and memory are bounded by `count` and the capped context count, whatever the bytes say.
    static func decode(_ bytes: ArraySlice<UInt8>, count: Int, keptCount: Int, side: MaskSideInformation) throws -> BitMask {
        guard bytes.count >= headerSize else {
            throw SupermaskError("the initial-scores mask has \(bytes.count) bytes, fewer than its \(headerSize)-byte header")
        }
        let start = bytes.startIndex
        let scoreLog2 = Int(bytes[start]), weightLog2 = Int(bytes[start + 1])
        let features = InitialScoresContexts.Features(rawValue: bytes[start + 2])
        guard InitialScoresContexts.Features.all.isSuperset(of: features) else {
            throw SupermaskError("the initial-scores mask has unknown feature flags \(bytes[start + 2])")
        }
        let settings = Settings(scoreLog2: scoreLog2, weightLog2: weightLog2, features: features)
        guard scoreLog2 <= maximumLog2Bins, weightLog2 <= maximumLog2Bins, settings.log2ContextCount <= maximumLog2Contexts else {
            throw SupermaskError("the initial-scores mask asks for 2^\(scoreLog2) score bins and 2^\(weightLog2) weight bins with features \(features.rawValue); at most 2^\(maximumLog2Bins) bins of each kind and 2^\(maximumLog2Contexts) contexts")
        }
        guard side.scores.count == count, side.weights.count == count else {
            throw SupermaskError("the regenerated layer has \(side.scores.count) scores for \(count) weights")
        }
        guard side.rowLength > 0, count % side.rowLength == 0 else {
            throw SupermaskError("the layer's rows of \(side.rowLength) do not divide its \(count) weights")
        }
        let ranks = Ranks(side, weights: weightLog2 > 0)
        return AdaptiveMaskCoder.decode(
            bytes.dropFirst(headerSize), count: count, keptCount: keptCount, model: contexts(side, ranks: ranks, settings: settings))
    }
}
