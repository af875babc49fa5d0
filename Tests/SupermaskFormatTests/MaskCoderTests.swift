import Foundation
import SupermaskCore
import Testing
@testable import SupermaskFormat

@Suite struct MaskCoderTests {
    private func randomMask(count: Int, kept: Int, seed: UInt64) -> BitMask {
        var random = SplitMix64(seed: seed)
        var indices = Array(0..<count)
        for position in 0..<kept {  // a partial Fisher–Yates shuffle picks `kept` distinct positions
            let other = position + Int(random.next() % UInt64(count - position))
            indices.swapAt(position, other)
        }
        var mask = BitMask(count: count)
        for index in indices.prefix(kept) { mask.insert(index) }
        return mask
    }

    @Test func enumerativeCoderRoundTripsNearTheBound() {
        var seed: UInt64 = 1
        for count in [1, 2, 7, 64, 65, 1000, 4099, 30_000] {
            for density in [0.0, 0.01, 0.3, 0.5, 0.9, 1.0] {
                let kept = Int((Double(count) * density).rounded())
                let mask = randomMask(count: count, kept: kept, seed: seed)
                seed += 1
                let coded = EnumerativeMaskCoder.encode(mask)
                let decoded = EnumerativeMaskCoder.decode(coded[...], count: count, keptCount: kept)
                #expect(decoded == mask, "n \(count) k \(kept)")
                let bound = log2BinomialCoefficient(count, kept) / 8
                #expect(Double(coded.count) <= bound + 5, "n \(count) k \(kept): \(coded.count) bytes, bound \(bound)")
            }
        }
    }

    @Test func forcedMasksCostNothing() {
        var full = BitMask(count: 100)
        for index in 0..<100 { full.insert(index) }
        #expect(EnumerativeMaskCoder.encode(full).isEmpty)
        #expect(EnumerativeMaskCoder.encode(BitMask(count: 100)).isEmpty)
        #expect(EnumerativeMaskCoder.decode([], count: 100, keptCount: 100) == full)
        #expect(EnumerativeMaskCoder.decode([], count: 100, keptCount: 0) == BitMask(count: 100))
    }

    @Test func everyCoderDecodesWhatItCoded() throws {
        let mask = randomMask(count: 5000, kept: 1500, seed: 99)
        let raw = CodedMask.packedBytes(mask)
        for (coder, bytes) in [(MaskCoder.raw, raw), (.deflate, Zlib.deflate(raw)), (.enumerative, EnumerativeMaskCoder.encode(mask))] {
            #expect(try CodedMask.decode(coder: coder, bytes: bytes[...], count: 5000, keptCount: 1500) == mask, "\(coder)")
        }
        #expect(CodedMask.smallest(mask).coder == .enumerative)
    }

    @Test func wrongKeptCountIsAnError() {
        let mask = randomMask(count: 80, kept: 20, seed: 5)
        #expect(throws: SupermaskError.self) {
            try CodedMask.decode(coder: .raw, bytes: CodedMask.packedBytes(mask)[...], count: 80, keptCount: 21)
        }
    }

    @Test func binomialBoundMatchesSmallCases() {
        #expect(abs(log2BinomialCoefficient(4, 2) - Foundation.log2(6)) < 1e-9)
        #expect(log2BinomialCoefficient(10, 0) == 0)
        #expect(log2BinomialCoefficient(10, 10) == 0)
    }
}
