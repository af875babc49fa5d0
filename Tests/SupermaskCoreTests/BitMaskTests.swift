import Testing
@testable import SupermaskCore

/// The mask rule restated in the most literal way: stable sort by |score|, zero the first j.
private func sortedReferenceMask(_ scores: [Float], keep: KeepFraction) -> [Bool] {
    let order = scores.indices.sorted { (abs(scores[$0]), $0) < (abs(scores[$1]), $1) }
    var kept = [Bool](repeating: true, count: scores.count)
    for index in order.prefix(keep.zeroedCount(of: scores.count)) { kept[index] = false }
    return kept
}

private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct BitMaskTests {
    @Test(arguments: [0.1, 0.3, 0.5, 0.7, 0.9999, 1.0])
    func topKMatchesStableSortIncludingTies(keepValue: Double) throws {
        var generator = SeededGenerator(state: 42)
        let keep = try KeepFraction(keepValue)
        for count in [1, 2, 7, 64, 65, 1000, 4099] {
            // Few distinct magnitudes, both signs and ±0: many ties straddle the threshold.
            let scores = (0..<count).map { _ in Float(Int.random(in: -5...5, using: &generator)) * 0.25 }
            let (mask, _) = BitMask.keepingLargestMagnitudes(of: scores, keep: keep)
            let expected = sortedReferenceMask(scores, keep: keep)
            #expect((0..<count).map { mask[$0] } == expected, "count \(count)")
            #expect(mask.keptCount == keep.keptCount(of: count))
        }
    }

    @Test func continuousScoresHaveNoTies() throws {
        var generator = SeededGenerator(state: 7)
        let scores = (0..<50_000).map { _ in Float.random(in: -1...1, using: &generator) }
        let keep = try KeepFraction(0.3)
        let (mask, ties) = BitMask.keepingLargestMagnitudes(of: scores, keep: keep)
        #expect(ties == 0)
        #expect(mask.keptCount == 50_000 - 35_000)
        #expect((0..<scores.count).map { mask[$0] } == sortedReferenceMask(scores, keep: keep))
    }

    @Test func tiesAcrossTheThresholdAreCounted() throws {
        let scores: [Float] = [0.5, -0.5, 0.5, 0.1, 0.9]
        // keep 0.5 of 5: j = int(0.5 * 5) = 2 zeroed: 0.1 and the first 0.5 (index 0).
        let (mask, ties) = BitMask.keepingLargestMagnitudes(of: scores, keep: try KeepFraction(0.5))
        #expect((0..<5).map { mask[$0] } == [false, true, true, false, true])
        #expect(ties == 3)
    }

    @Test func keptCountFollowsTheOriginalFormula() throws {
        let keep = try KeepFraction(0.3)
        #expect(keep.zeroedCount(of: 9408) == 6585)
        #expect(keep.keptCount(of: 9408) == 2823)
        #expect(keep.keptCount(of: 9_437_184) == 2_831_156)
        #expect(keep.keptCount(of: 2_048_000) == 614_400)
    }

    @Test(arguments: [0.0, -0.1, 1.0000001, Double.nan, Double.infinity])
    func keepOutsideTheUnitIntervalIsRefused(value: Double) {
        #expect(throws: SupermaskError.self) { try KeepFraction(value) }
    }

    @Test func tailBitsStayClear() throws {
        let (mask, _) = BitMask.keepingLargestMagnitudes(of: [Float](repeating: 1, count: 70), keep: try KeepFraction(1))
        #expect(mask.keptCount == 70)
        #expect(mask.words.reduce(0) { $0 + $1.nonzeroBitCount } == 70)
        #expect(mask.words[1] == (1 << 6) - 1)
    }
}
