import SupermaskCore
import Testing
@testable import SupermaskTorchInit

/// The known answers of docs/torch-init.md, measured on torch 2.x: MT19937 seeding, `uniform_` and `normal_` in
/// each profile.
@Suite struct TorchGeneratorVectorTests {
    private func hex(_ values: [Float]) -> [String] { values.map { String($0.bitPattern, radix: 16) } }
    private func bits(_ text: String) -> [String] { text.split(separator: " ").map { String(Int(String($0), radix: 16)!, radix: 16) } }

    @Test func seedOneGivesTorchsFirstOutputs() {
        var generator = TorchMersenneTwister(seed: 1)
        let outputs = (0..<8).map { _ in generator.next() }
        #expect(outputs == [0x6AC1_F425, 0xFF47_80EB, 0xB867_2F8C, 0xEEBC_1448, 0x0007_7EFF, 0x20CC_C389, 0x4D65_AACB, 0xFFC1_1E85])
    }

    @Test func onlyTheLowThirtyTwoBitsOfTheSeedMatter() {
        var low = TorchMersenneTwister(seed: 7), high = TorchMersenneTwister(seed: 7 + (1 << 32))
        // A negative Python seed wraps to its 64-bit two's complement: -5 is 2^64 - 5.
        var negative = TorchMersenneTwister(seed: UInt64(bitPattern: -5)), wrapped = TorchMersenneTwister(seed: 0xFFFF_FFFF_FFFF_FFFB)
        for _ in 0..<1500 {
            #expect(low.next() == high.next())
            #expect(negative.next() == wrapped.next())
        }
    }

    @Test func fillAndSkipFollowTheSameStream() {
        var reference = TorchMersenneTwister(seed: 987_654_321)
        let expected = (0..<5000).map { _ in reference.next() }
        var filling = TorchMersenneTwister(seed: 987_654_321)
        var buffer = [UInt32](repeating: 0, count: 1000)
        buffer.withUnsafeMutableBufferPointer { filling.fill($0) }
        #expect(buffer == Array(expected[0..<1000]))
        filling.skip(2345)
        #expect(filling.next() == expected[3345])
        #expect(filling.drawn == 3346)
    }

    @Test func matchesStandardMT19937ForTheReferenceSeed() {
        // std::mt19937's default seed 5489: its 10000th output is 4123659995 (C++11 [rand.predef]).
        var generator = TorchMersenneTwister(seed: 5489)
        generator.skip(9999)
        #expect(generator.next() == 4_123_659_995)
    }

    @Test func defaultUniformBoundOfTheResNetStem() {
        #expect(TorchInitFormulas.defaultUniformBound(fanIn: 147) == 0.08247860988423224)
        #expect(Float(TorchInitFormulas.defaultUniformBound(fanIn: 147)).bitPattern == 0x3DA8_EA8C)
        #expect(Float(TorchInitFormulas.reluStandardDeviation(fan: 147)).bitPattern == 0x3DEE_E232)
    }

    @Test(arguments: [
        (TorchProfile.torch2Default, "3d2e1296 bd151ca3 bc82fc40 3d1e916a bd9f0621 3d4a9a9c bc8b0058 3d2bdec4"),
        (TorchProfile.torch13AVX2, "3d2e1296 bd151ca3 bc82fc40 3d1e916a bd9f0621 3d4a9a9c bc8b0058 3d2bdec4"),
        (TorchProfile.torch2AVX2, "3d2e1296 bd151ca3 bc82fc42 3d1e916b bd9f0621 3d4a9a9a bc8b0059 3d2bdec3"),
    ])
    func uniformOfSeedOne(profile: TorchProfile, expected: String) {
        var generator = TorchMersenneTwister(seed: 1)
        let values = TorchUniform.values(
            count: 8, range: .init(bound: 0.08247860988423224), profile: profile, generator: &generator)
        #expect(hex(values) == bits(expected))
    }

    @Test(arguments: [
        (TorchProfile.torch2Default,
         "be36384c bdb337d2 bd9c39ad be403d61 bc3f6d25 bd918675 bdea0d2f be40317f",
         "bdaa1ea1 3d111bc0 bdb9b008 bcf04614 bcd46317 3e498308 3cda44a2 3d5f6bbf",
         "be682242 bdb73e8d 3e810571 bd804449 3d401901 3e3e63b5 3dc027b1 3e55de2f"),
        (TorchProfile.torch2AVX2,
         "be36384c bdb337d2 bd9c39ad be403d60 bc3f6d25 bd918675 bdea0d2f be40317f",
         "bdaa1ea1 3d111bc0 bdb9b008 bcf0462c bcd46317 3e498308 3cda44a2 3d5f6bbf",
         "be682241 bdb73e8d 3e810571 bd804449 3d401901 3e3e63b5 3dc027b1 3e55de2e"),
    ])
    func normalOfSeedOne(profile: TorchProfile, first: String, second: String, last: String) {
        guard profile.isAvailable else { return }
        var generator = TorchMersenneTwister(seed: 1)
        let values = TorchNormal.values(
            count: 9408, mean: 0, standardDeviation: 0.11664236870396087, profile: profile, generator: &generator)
        #expect(hex(Array(values[0..<8])) == bits(first))
        #expect(hex(Array(values[8..<16])) == bits(second))
        #expect(hex(Array(values[(9408 - 8)...])) == bits(last))
        #expect(generator.drawn == 9408)
    }

    @Test func aTensorNotAMultipleOfSixteenRedrawsItsLastBlock() {
        var generator = TorchMersenneTwister(seed: 3)
        let values = TorchNormal.values(count: 1000, mean: 0, standardDeviation: 1, profile: .torch2AVX2, generator: &generator)
        #expect(generator.drawn == 1016)
        // The last 16 values come from draws 1000..<1016 alone.
        var tail = TorchMersenneTwister(seed: 3)
        tail.skip(1000)
        let redrawn = TorchNormal.values(count: 16, mean: 0, standardDeviation: 1, profile: .torch2AVX2, generator: &tail)
        #expect(Array(values[984...]) == redrawn)
    }

    /// Per-k radius, cos and sin of Box–Muller (docs/torch-init.md §3.5): avx_mathfun and glibc 2.36.
    @Test(arguments: [
        (0 as UInt32, "80000000 3f800000 0", "80000000 3f800000 0"),
        (1, "39b504f3 3f800000 34c90fdb", "39b504f3 3f800000 34c90fdb"),
        (4_194_304, "3f422edd b33bbd2e 3f800000", "3f422ede b33bbd2e 3f800000"),
        (8_388_608, "3f96b55f bf800000 b3bbbd2e", "3f96b55f bf800000 b3bbbd2e"),
        (12_345_678, "3fd0dc9a bdb5b77c bf7efd84", "3fd0dc9a bdb5b77d bf7efd84"),
        (16_777_215, "40b89456 3f800000 b4a22169", "40b89456 3f800000 b4a22169"),
    ])
    func boxMullerFactorsPerInput(k: UInt32, avx: String, glibc: String) {
        // The radius comes from u1 = 1 − k·2⁻²⁴, the angle from u2 = k·2⁻²⁴.
        let u = Float(k) * TorchUniform.unit
        for (math, expected) in [(NormalMath.avxMathFun, avx), (.glibc, glibc)] where math == .avxMathFun || TorchProfile.torch2Default.isAvailable {
            let (sine, cosine) = TorchNormal.sineAndCosine(u2: u, math: math)
            #expect(hex([TorchNormal.radius(u1: 1 - u, math: math), cosine, sine]) == bits(expected))
        }
    }
}
