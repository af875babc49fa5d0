import SupermaskTorchInit
import Testing
@testable import SupermaskSeedSearch

/// The AVX2 and portable kernels against a scalar reference: every seed of a range checked one by one.
@Suite struct SeedScanKernelTests {
    /// A small deterministic generator of test data (SplitMix64).
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func word() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
    }

    static var kernelSets: [SeedScanKernels] { [SeedScanKernels.portable] + (SeedScanKernels.avx2.map { [$0] } ?? []) }

    /// The reference for signs: run the generator itself and read bit 23 of the outputs.
    static func referenceSignHits(outputs: [Int], expected: [UInt32], range: Range<UInt64>) -> [UInt32] {
        range.compactMap { seed in
            var generator = TorchMersenneTwister(seed: seed)
            let drawn = (0...outputs.last!).map { _ in generator.next() >> 23 & 1 }
            return zip(outputs, expected).allSatisfy { drawn[$0] == $1 } ? UInt32(seed) : nil
        }
    }

    /// The reference for parities: the seeded state word by word, each form's parity over its words.
    static func referenceParityHits(forms: [[UInt32]], expected: [UInt32], range: Range<UInt64>) -> [UInt32] {
        range.compactMap { seed in
            let state = TorchMersenneTwister.initialState(seed: seed)
            for (form, value) in zip(forms, expected) {
                var accumulated: UInt32 = 0
                for j in 0..<form.count { accumulated ^= state[j] & form[j] }
                if UInt32(accumulated.nonzeroBitCount & 1) != value { return nil }
            }
            return UInt32(seed)
        }
    }

    /// Random sign patterns at random outputs below 227, short enough that many seeds pass, over ranges with
    /// ragged ends (not multiples of the kernel's 64 lanes) and one ending at 2³².
    @Test(arguments: [(0, 3000), (123_456_789, 2049), ((1 << 32) - 1500, 1500)] as [(UInt64, Int)])
    func signKernelsMatchTheGenerator(first: UInt64, count: Int) {
        var random = Random(state: first)
        for bitCount in [1, 4, 7] {
            let outputs = bitCount == 7 ? [0, 1, 2, 3, 4, 5, 6] : (0..<227).shuffled(using: &random).prefix(bitCount).sorted()
            let expected = (0..<bitCount).map { _ in random.word() & 1 }
            let reference = Self.referenceSignHits(outputs: outputs, expected: expected, range: first..<(first + UInt64(count)))
            #expect(!reference.isEmpty)
            for kernels in Self.kernelSets {
                let query = SeedScanQuery(signOutputs: outputs, expected: expected)
                let (hits, passed) = query.scan(first: first, count: UInt64(count), kernels: kernels, capacity: 4096)
                #expect(hits == reference, "\(kernels.name), outputs \(outputs) from \(first)")
                #expect(passed == reference.count)
            }
        }
    }

    /// Random forms over the whole state or its first words (not MT19937's), random expected bits, 8 filter and
    /// 2 confirmation forms: the kernels agree with the reference seed for seed.
    @Test(arguments: [(7, 624), (99, 624), (5, 37), (11, 1)] as [(UInt64, Int)])
    func parityKernelsMatchTheReferenceOnRandomForms(salt: UInt64, wordCount: Int) {
        var random = Random(state: salt)
        let forms = (0..<10).map { _ in (0..<wordCount).map { _ in random.word() } }
        let expected = (0..<10).map { _ in random.word() & 1 }
        let first = random.next() % ((1 << 32) - 10_000)
        let count = 8_000 + Int(random.next() % 64)
        let reference = Self.referenceParityHits(forms: forms, expected: expected, range: first..<(first + UInt64(count)))
        #expect(!reference.isEmpty)
        for kernels in Self.kernelSets {
            let (hits, passed) = SeedScanQuery(forms: forms, expected: expected, wordCount: wordCount).scan(first: first, count: UInt64(count), kernels: kernels, capacity: 4096)
            #expect(hits == reference, "\(kernels.name) from \(first), \(wordCount) words")
            #expect(passed == reference.count)
        }
    }

    /// The parity kernel with MT19937's own forms for outputs deep in the stream finds exactly the seed that drew them.
    @Test func parityKernelsFindTheSeedBehindRealOutputs() {
        let seed: UInt64 = 2_718_281_828
        var generator = TorchMersenneTwister(seed: seed)
        generator.skip(18_816)
        let outputs = (0..<8).map { _ in generator.next() }
        let bits = outputs.enumerated().flatMap { index, output in
            (16..<24).map { KnownOutputBit(outputIndex: 18_816 + index, bit: $0, value: output >> UInt32($0) & 1) }
        }
        let query = SeedScanQuery(
            forms: bits.map { OutputBitForm(outputIndex: $0.outputIndex, bit: $0.bit).words }, expected: bits.map(\.value), wordCount: 624)
        for kernels in Self.kernelSets {
            let (hits, passed) = query.scan(first: seed - 40_000, count: 65_536, kernels: kernels)
            #expect(hits == [UInt32(seed)], "\(kernels.name)")
            #expect(passed == 1)
        }
    }
}
