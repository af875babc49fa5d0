import Foundation
import SupermaskCore
import SupermaskTorchInit
import Testing
@testable import SupermaskFormat

/// The adaptive coder, its rank bins and mask coder 3 (docs/format.md §5.2) on synthetic masks.
@Suite struct InitialScoresCoderTests {
    /// A mask of `count` bits with exactly `kept` set where position i is kept with a weight that grows with
    /// `preference[i]`: the top `kept` of preference + noise (noise 0: the mask is a function of the preference).
    private func mask(preferring preference: [Float], kept: Int, noise: Float, seed: UInt64) -> BitMask {
        var random = SplitMix64(seed: seed)
        let keys = preference.map { $0.magnitude + noise * Float(random.nextUnit()) }
        var mask = BitMask(count: preference.count)
        for index in keys.indices.sorted(by: { (keys[$0], $0) > (keys[$1], $1) }).prefix(kept) { mask.insert(index) }
        return mask
    }

    private func uniformValues(_ count: Int, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(random.nextUnit()) * 2 - 1 }
    }

    @Test func theAdaptiveCoderRoundTripsAnyContexts() {
        var seed: UInt64 = 40
        for count in [1, 2, 15, 64, 1000, 20_000] {
            for density in [0.0, 0.02, 0.5, 0.97, 1.0] {
                for contextCount in [1, 3, 64, 1 << InitialScoresMaskCoder.maximumLog2Contexts] {
                    seed += 1
                    var random = SplitMix64(seed: seed)
                    let contexts = (0..<count).map { _ in UInt16(random.next() % UInt64(contextCount)) }
                    let kept = Int((Double(count) * density).rounded())
                    let mask = mask(preferring: uniformValues(count, seed: seed), kept: kept, noise: 0.5, seed: seed)
                    let model = FixedContexts(contexts: contexts, contextCount: contextCount)
                    let coded = AdaptiveMaskCoder.encode(mask, model: model)
                    let decoded = AdaptiveMaskCoder.decode(coded[...], count: count, keptCount: kept, model: model)
                    #expect(decoded == mask, "n \(count) k \(kept) contexts \(contextCount)")
                }
            }
        }
    }

    @Test func theAdaptiveCoderLearnsWhatEachContextPredicts() {
        // Context c keeps every bit when c is odd and none when even: after a few bits per context nothing is left
        // to say, so 20,000 bits take a few bytes although log2 C(n, k) is about 20,000 bits.
        let count = 20_000, contexts = (0..<count).map { UInt16($0 % 4) }
        var mask = BitMask(count: count)
        for index in 0..<count where index % 2 == 1 { mask.insert(index) }
        let model = FixedContexts(contexts: contexts, contextCount: 4)
        let coded = AdaptiveMaskCoder.encode(mask, model: model)
        #expect(coded.count < 20)
        #expect(AdaptiveMaskCoder.decode(coded[...], count: count, keptCount: count / 2, model: model) == mask)
    }

    @Test func rankBinsAreEqualQuantilesOfTheMagnitude() {
        // Ties of |value| (including ±0 and ±x) are ordered by position.
        let values: [Float] = [0.5, -0.5, 0, -0.0, 2, -1, 0.25, 1, 0.5, -3]
        // Sorted by (|v|, position): 2:0, 3:-0, 6:0.25, 0:0.5, 1:-0.5, 8:0.5, 5:-1, 7:1, 4:2, 9:-3.
        let ranks = [3, 4, 0, 1, 8, 6, 2, 7, 5, 9]
        #expect(RankBins.ranking(of: values).ranks == ranks.map(UInt32.init))
        #expect(RankBins.ranking(of: values).order == [2, 3, 6, 0, 1, 8, 5, 7, 4, 9])
        for log2Count in 0...4 {
            let expected = ranks.map { UInt16($0 * (1 << log2Count) / values.count) }
            #expect(RankBins.bins(of: values, log2Count: log2Count) == expected, "2^\(log2Count) bins")
        }
        let many = uniformValues(10_000, seed: 5)
        let bins = RankBins.bins(of: many, log2Count: 6)
        let population = Dictionary(grouping: bins, by: { $0 }).mapValues(\.count)
        #expect(population.count == 64 && population.values.allSatisfy { $0 == 156 || $0 == 157 })
    }

    @Test func aMaskThatFollowsTheInitialScoresCodesBelowTheBound() throws {
        let count = 30_000, kept = 15_000
        let scores = uniformValues(count, seed: 7)
        let side = MaskSideInformation(scores: scores, weights: [Float](repeating: 0.05, count: count), rowLength: 300)
        let mask = mask(preferring: scores, kept: kept, noise: 0.6, seed: 8)
        let block = InitialScoresMaskCoder.encodeSmallest(mask, side: side)
        let bound = log2BinomialCoefficient(count, kept) / 8
        #expect(Double(block.count) < 0.8 * bound, "\(block.count) bytes, bound \(bound)")
        #expect(block[0] >= 4 && block[1] == 0)  // the weights' magnitudes are constant: no weight bins
        #expect(try InitialScoresMaskCoder.decode(block[...], count: count, keptCount: kept, side: side) == mask)
        let chosen = CodedMask.smallest(mask, side: side)
        #expect(chosen.coder == .initialScores && chosen.bytes == block)
        #expect(try CodedMask.decode(coder: .initialScores, bytes: block[...], count: count, keptCount: kept, side: side) == mask)
        // Without the side information the coder is not available.
        #expect(CodedMask.smallest(mask).coder != .initialScores)
        #expect(throws: SupermaskError.self) { try CodedMask.decode(coder: .initialScores, bytes: block[...], count: count, keptCount: kept) }
    }

    @Test func weightBinsAreTriedWhenTheWeightsVary() throws {
        // The mask prefers large |weight| as much as large |score|: the crossed contexts win.
        let count = 20_000, kept = 6_000
        let scores = uniformValues(count, seed: 21), weights = uniformValues(count, seed: 22)
        let preference = zip(scores, weights).map { $0.magnitude * $1.magnitude }
        let mask = mask(preferring: preference, kept: kept, noise: 0.05, seed: 23)
        let side = MaskSideInformation(scores: scores, weights: weights, rowLength: 100)
        let block = InitialScoresMaskCoder.encodeSmallest(mask, side: side)
        #expect(block[1] > 0)
        let scoresOnly = InitialScoresMaskCoder.encode(mask, side: side, settings: .init(scoreLog2: 6))
        #expect(block.count < scoresOnly.count)
        #expect(try InitialScoresMaskCoder.decode(block[...], count: count, keptCount: kept, side: side) == mask)
    }

    @Test func aBlockAskingForTooManyContextsOrUnknownFeaturesIsRefused() {
        let side = MaskSideInformation(scores: uniformValues(100, seed: 1), weights: uniformValues(100, seed: 2), rowLength: 10)
        for header: [UInt8] in [[9, 0, 0], [0, 9, 0], [8, 5, 1], [6, 6, 3]] {
            #expect {
                _ = try InitialScoresMaskCoder.decode((header + [1, 2, 3])[...], count: 100, keptCount: 50, side: side)
            } throws: { error in
                (error as? SupermaskError)?.message.hasPrefix("the initial-scores mask asks for 2^\(header[0]) score bins and 2^\(header[1]) weight bins") == true
            }
        }
        #expect {
            _ = try InitialScoresMaskCoder.decode([6, 0, 4, 1][...], count: 100, keptCount: 50, side: side)
        } throws: { error in
            (error as? SupermaskError)?.message == "the initial-scores mask has unknown feature flags 4"
        }
        #expect(throws: SupermaskError.self) { try InitialScoresMaskCoder.decode([6, 0][...], count: 100, keptCount: 50, side: side) }
    }

    @Test func theColumnAndRowFeaturesFindWhatTrainingLeftAlone() throws {
        // 200 rows of 100: in columns 0 ..< 30 and rows 0 ..< 20 the mask is a threshold on |initial score| (weights no
        // gradient reached), elsewhere noisy. The features learn which columns and rows those are.
        let rows = 200, columns = 100, count = rows * columns
        let scores = uniformValues(count, seed: 31)
        var random = SplitMix64(seed: 32)
        let preference = scores.enumerated().map { index, score -> Float in
            let untouched = index % columns < 30 || index / columns < 20
            return untouched ? score.magnitude * 0.6 : score.magnitude + Float(random.nextUnit()) * 1.5
        }
        let mask = mask(preferring: preference, kept: count / 2, noise: 0, seed: 33)
        let side = MaskSideInformation(scores: scores, weights: [Float](repeating: 1, count: count), rowLength: columns)
        let plain = InitialScoresMaskCoder.encode(mask, side: side, settings: .init(scoreLog2: 5))
        for features: InitialScoresContexts.Features in [.column, .row, .all] {
            let block = InitialScoresMaskCoder.encode(mask, side: side, settings: .init(scoreLog2: 5, features: features))
            #expect(block.count < plain.count, "features \(features.rawValue): \(block.count) bytes, without \(plain.count)")
            #expect(try InitialScoresMaskCoder.decode(block[...], count: count, keptCount: count / 2, side: side) == mask)
        }
        let best = InitialScoresMaskCoder.encodeSmallest(mask, side: side)
        #expect(best[2] != 0)
    }

    @Test func anyBytesDecodeToExactlyTheKeptCount() throws {
        // Garbage (caught in a container by the section CRC) still gives a mask of k bits, in at most n steps.
        let side = MaskSideInformation(scores: uniformValues(5_000, seed: 3), weights: uniformValues(5_000, seed: 4), rowLength: 50)
        var random = SplitMix64(seed: 6)
        for trial in 0..<20 {
            let garbage = [6, 2, UInt8(trial % 4)] + (0..<Int(random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let kept = Int(random.next() % 5_001)
            let decoded = try InitialScoresMaskCoder.decode(garbage[...], count: 5_000, keptCount: kept, side: side)
            #expect(decoded.keptCount == kept)
        }
    }
}
