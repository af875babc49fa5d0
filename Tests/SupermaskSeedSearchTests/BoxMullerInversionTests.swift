import SupermaskTorchInit
import Testing
@testable import SupermaskSeedSearch

@Suite struct BoxMullerInversionTests {
    /// Every bit read back from normal_'s output is the bit torch drew, in every profile, for several σ, for a
    /// tensor with and without the tail redraw; and most pairs give the top 16 bits or more.
    @Test(arguments: TorchProfile.allCases.filter(\.isAvailable))
    func everyKnownBitIsTheDrawnBit(profile: TorchProfile) {
        for (count, deviation) in [(9408, 0.11664236870396087), (1000, 1.0), (4_000, 0.002)] {
            let seed: UInt64 = 3_146_946_812
            let offset = 18_816
            var generator = TorchMersenneTwister(seed: seed)
            generator.skip(offset)
            var raw = [UInt32](repeating: 0, count: count + 16)
            raw.withUnsafeMutableBufferPointer { generator.fill($0) }
            var drawing = TorchMersenneTwister(seed: seed)
            drawing.skip(offset)
            let values = TorchNormal.values(count: count, mean: 0, standardDeviation: deviation, profile: profile, generator: &drawing)

            let bits = BoxMullerInversion.angleBits(of: values, streamOffset: offset, limit: .max)
            let wrong = bits.filter { raw[$0.outputIndex - offset] >> UInt32($0.bit) & 1 != $0.value }
            #expect(wrong.isEmpty, "\(profile), n \(count), σ \(deviation): \(wrong.prefix(3))")
            let pairs = Set(bits.map(\.outputIndex)).count
            #expect(pairs >= (count / 16 - (count % 16 == 0 ? 0 : 1)) * 8 - 8, "\(profile), n \(count): \(pairs) pairs")
            #expect(bits.count >= 16 * pairs, "\(profile), n \(count): \(bits.count) bits from \(pairs) pairs")
            // Only the angles' outputs (the second half of each block of 16) are read.
            #expect(bits.allSatisfy { ($0.outputIndex - offset) % 16 >= 8 })
        }
    }
}
