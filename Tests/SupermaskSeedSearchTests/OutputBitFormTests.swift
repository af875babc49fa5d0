import SupermaskTorchInit
import Testing
@testable import SupermaskSeedSearch

@Suite struct OutputBitFormTests {
    /// Every bit of outputs in the first regeneration, at its boundaries and deep in the stream (ResNet-50's normal
    /// draws start at 18,816; FC's at 470,400), for a few seeds, equals its form evaluated on the seeded state.
    @Test(arguments: [UInt64(1), 4_166_865_282, 3_146_946_812])
    func formsGiveTheGeneratorsOutputBits(seed: UInt64) {
        let state = TorchMersenneTwister.initialState(seed: seed)
        let indices = [0, 1, 226, 227, 396, 397, 623, 624, 1247, 1248, 18_816, 18_831, 470_400]
        var generator = TorchMersenneTwister(seed: seed)
        var position = 0
        for index in indices {
            generator.skip(index - position)
            let output = generator.next()
            position = index + 1
            for bit in [0, 7, 16, 23, 31] {
                let form = OutputBitForm(outputIndex: index, bit: bit)
                #expect(form.evaluate(state) == output >> UInt32(bit) & 1, "seed \(seed), output \(index), bit \(bit)")
            }
        }
    }

    /// torch's first output for seed 1 is 0x6ac1f425 (the spec's test vector): its 32 forms spell it.
    @Test func formsSpellTheSeedOneTestVector() {
        let state = TorchMersenneTwister.initialState(seed: 1)
        let bits = (0..<32).map { OutputBitForm(outputIndex: 0, bit: $0).evaluate(state) << UInt32($0) }
        #expect(bits.reduce(0, |) == 0x6AC1_F425)
    }
}
