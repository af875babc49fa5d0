import Foundation
import Testing
@testable import SupermaskFormat

@Suite struct PhiloxTests {
    /// The philox4x32 10-round known-answer vectors of Random123's kat_vectors (counter, key → output).
    @Test(arguments: [
        ([0, 0, 0, 0], [0, 0], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]),
        ([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff], [0xffff_ffff, 0xffff_ffff],
         [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]),
        ([0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0],
         [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]),
    ] as [([UInt32], [UInt32], [UInt32])])
    func knownAnswers(counter: [UInt32], key: [UInt32], expected: [UInt32]) {
        let output = Philox4x32.block(counter: (counter[0], counter[1], counter[2], counter[3]), key: (key[0], key[1]))
        #expect([output.0, output.1, output.2, output.3] == expected)
    }

    @Test func logarithmAndCosineAreAccurate() {
        var worstLog = 0.0, worstCos = 0.0
        for step in stride(from: 1, to: 1 << 24, by: 4099) {
            let u = Double(step) / 16_777_216.0
            worstLog = max(worstLog, abs(GeneratorMath.logarithm(u) - Foundation.log(u)))
            worstCos = max(worstCos, abs(GeneratorMath.cosineOfTurns(u) - Foundation.cos(2 * Double.pi * u)))
        }
        #expect(worstLog < 1e-14)
        #expect(worstCos < 1e-14)
    }

    @Test func kaimingNormalHasTheRightMoments() {
        let generator = WeightGenerator(seed: 42, initialisation: .kaimingNormal)
        let weights = generator.weights(layerIndex: 3, count: 200_000, fanIn: 512)
        let mean = weights.reduce(0.0) { $0 + Double($1) } / Double(weights.count)
        let variance = weights.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(weights.count)
        #expect(abs(mean) < 0.001)
        #expect(abs(variance.squareRoot() / WeightGenerator.scale(fanIn: 512) - 1) < 0.01)
    }

    @Test func signedConstantIsBalancedAndLayersDiffer() {
        let generator = WeightGenerator(seed: 42, initialisation: .signedConstant)
        let first = generator.weights(layerIndex: 0, count: 100_000, fanIn: 147)
        let second = generator.weights(layerIndex: 1, count: 100_000, fanIn: 147)
        #expect(Set(first) == [Float(0.11664237), -Float(0.11664237)])
        let negatives = first.filter { $0 < 0 }.count
        #expect(abs(negatives - 50_000) < 1_000)
        #expect(first != second)
    }
}
