import SupermaskTorchInit
import Testing
@testable import SupermaskSeedSearch

@Suite struct BoxMullerInversionTests {
    /// `count` values of normal_(0, σ) at stream offset 18,816 of seed 3146946812, and the raw outputs behind them.
    static func draw(count: Int, deviation: Double, profile: TorchProfile) -> (values: [Float], raw: [UInt32]) {
        let seed: UInt64 = 3_146_946_812
        var generator = TorchMersenneTwister(seed: seed)
        generator.skip(18_816)
        var raw = [UInt32](repeating: 0, count: count + 16)
        raw.withUnsafeMutableBufferPointer { generator.fill($0) }
        var drawing = TorchMersenneTwister(seed: seed)
        drawing.skip(18_816)
        let values = TorchNormal.values(count: count, mean: 0, standardDeviation: deviation, profile: profile, generator: &drawing)
        return (values, raw)
    }

    /// Every bit read back from normal_'s output, angles and radii, is the bit torch drew, in every profile, for
    /// several σ, for tensors with and without the tail redraw; and most pairs give about 19 bits each.
    @Test(arguments: TorchProfile.allCases.filter(\.isAvailable))
    func everyKnownBitIsTheDrawnBit(profile: TorchProfile) {
        for (count, deviation) in [(9408, 0.11664236870396087), (1000, 1.0), (4_000, 0.002)] {
            let (values, raw) = Self.draw(count: count, deviation: deviation, profile: profile)
            let pairs = BoxMullerInversion.pairs(of: values, streamOffset: 18_816)
            #expect(pairs.count >= (count / 16 - (count % 16 == 0 ? 0 : 1)) * 8 - 8, "\(profile), n \(count): \(pairs.count) pairs")
            let angles = BoxMullerInversion.angleBits(of: pairs)
            let radii = BoxMullerInversion.radiusBits(of: pairs, deviation: Float(deviation))
            for (name, bits) in [("angle", angles), ("radius", radii)] {
                let wrong = bits.filter { raw[$0.outputIndex - 18_816] >> UInt32($0.bit) & 1 != $0.value }
                #expect(wrong.isEmpty, "\(profile), n \(count), σ \(deviation), \(name): \(wrong.prefix(3))")
                #expect(bits.count >= 18 * pairs.count, "\(profile), n \(count), \(name): \(bits.count) bits from \(pairs.count) pairs")
            }
            // Angles come from the second half of each block of 16, radii from the first.
            #expect(angles.allSatisfy { ($0.outputIndex - 18_816) % 16 >= 8 })
            #expect(radii.allSatisfy { ($0.outputIndex - 18_816) % 16 < 8 })
        }
    }

    /// The radii fit the σ that drew them and not σ·(1 ± 20 %) (scale_fan at prune rate 0.3 is σ·1.195).
    @Test func radiiTellTheDeviation() {
        let deviation = 0.11664236870396087
        let (values, _) = Self.draw(count: 1728, deviation: deviation, profile: .torch2AVX2)
        let pairs = BoxMullerInversion.pairs(of: values, streamOffset: 18_816)
        #expect(BoxMullerInversion.radiiFit(pairs, deviation: Float(deviation)))
        #expect(!BoxMullerInversion.radiiFit(pairs, deviation: Float(deviation * 1.2)))
        #expect(!BoxMullerInversion.radiiFit(pairs, deviation: Float(deviation / 1.2)))
    }
}
