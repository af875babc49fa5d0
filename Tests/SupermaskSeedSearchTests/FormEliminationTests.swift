import SupermaskCore
import SupermaskTorchInit
import Testing
@testable import SupermaskSeedSearch

@Suite struct FormEliminationTests {
    /// Known bits of outputs deep in the stream (where ResNet-50's normal draws start), the top 16 bits of 200
    /// outputs: the bits of one output are sums of different state bits, so eliminating the last words leaves
    /// forms over the first m words that the seed's state satisfies and that find it.
    static func knownBits(seed: UInt64, outputs: Int) -> [KnownOutputBit] {
        var generator = TorchMersenneTwister(seed: seed)
        generator.skip(18_816)
        return (0..<outputs).flatMap { index -> [KnownOutputBit] in
            let output = generator.next()
            return (8..<24).map { KnownOutputBit(outputIndex: 18_816 + index, bit: $0, value: output >> UInt32($0) & 1) }
        }
    }

    @Test func reducedFormsHoldForTheSeedAndFindIt() throws {
        let seed: UInt64 = 3_146_946_812
        let bits = Self.knownBits(seed: seed, outputs: 200)
        let forms = OutputBitForm.forms(of: bits, threads: 2)
        let reduced = try #require(FormElimination.reduce(forms: forms, expected: bits.map(\.value), keep: 64))
        // 3,200 forms eliminate (3200 − 64 − 32) / 32 ≈ 97 words.
        #expect(reduced.wordCount <= 624 - 96)
        #expect(reduced.forms.count == 64)
        #expect(reduced.forms.allSatisfy { $0.count == reduced.wordCount && $0.contains { $0 != 0 } })
        let state = Array(TorchMersenneTwister.initialState(seed: seed).prefix(reduced.wordCount))
        for (form, value) in zip(reduced.forms, reduced.expected) {
            #expect(OutputBitForm(words: form).evaluate(state) == value)
        }
        let query = SeedScanQuery(forms: reduced.forms, expected: reduced.expected, wordCount: reduced.wordCount)
        for kernels in SeedScanKernelTests.kernelSets {
            #expect(query.scan(first: seed - 10_000, count: 20_000, kernels: kernels).hits == [UInt32(seed)], "\(kernels.name)")
        }
    }

    /// A misread bit makes the bits contradict each other once there are more of them than unknowns in the words
    /// eliminated; the elimination says so instead of returning forms no seed satisfies.
    @Test func aContradictionIsReported() {
        let bits = Self.knownBits(seed: 1, outputs: 40)
        var forms = OutputBitForm.forms(of: bits, threads: 1)
        var expected = bits.map(\.value)
        // The same form twice with opposite values.
        forms.append(forms[0])
        expected.append(expected[0] ^ 1)
        #expect(FormElimination.reduce(forms: forms, expected: expected, keep: 8) == nil)
    }
}

@Suite struct ReducedQueryTests {
    /// An ImageNet-style stem (64×3×7×7, Kaiming normal at stream offset 2n = 18,816) of a narrow ResNet.
    static let stem = Architecture.imageNetResNet(name: "stem", block: .basic, blockCounts: [1, 1, 1, 1], planes: [64, 8, 8, 8])

    static func evidence(seed: UInt64, deviations: (Double) -> [Double]) throws -> SeedEvidence {
        let recipe = TorchSeedRecipe(seed: seed, profile: .torch2AVX2, initialisation: .kaimingNormal)
        let generator = try TorchSeedGenerator(architecture: stem, recipe: recipe)
        let layer = generator.plan.layer(index: 0)
        let weights = generator.layer(index: 0, .weights).weights ?? []
        return try SeedEvidence(weights: weights, layer: layer, deviations: deviations(recipe.standardDeviation(of: layer.convolution)))
    }

    /// With σ known, radii and angles of about 1,300 outputs (24,576 bits, more than the state's 19,937 free bits)
    /// leave forms over a handful of words, which find the seed.
    @Test func radiiAndAnglesShortenTheRecurrence() throws {
        let seed: UInt64 = 3_146_946_812
        let evidence = try Self.evidence(seed: seed) { [$0] }
        #expect(evidence.radiusDeviation != nil)
        let query = try #require(SeedScanQuery.reduced(evidence, threads: 2, seeds: SeedRange.seedCount))
        #expect(query.wordCount <= 8)
        #expect((query.combined?.bits ?? 0) >= 20_480 && query.combined?.kind == "radius and angle")
        #expect(query.scan(first: seed - 30_000, count: 60_000, kernels: .preferred).hits == [UInt32(seed)])
    }

    /// A σ slightly off passes the radii's fit but misreads low bits: the dependent bits contradict each other,
    /// and the angles alone are combined instead, which still find the seed.
    @Test func misreadRadiiFallBackToTheAngles() throws {
        let seed: UInt64 = 77_777
        let evidence = try Self.evidence(seed: seed) { [$0 * 1.001] }
        #expect(evidence.radiusDeviation != nil)
        let query = try #require(SeedScanQuery.reduced(evidence, threads: 2, seeds: SeedRange.seedCount))
        #expect((query.combined?.bits ?? 0) >= 20_480 && query.combined?.kind == "angle")
        #expect(query.wordCount <= 8)
        #expect(query.scan(first: 0, count: 100_000, kernels: .preferred).hits == [UInt32(seed)])
    }

    /// A signed-constant ResNet-50: the signs of conv1 and of the next layer drawn (the first downsample), about
    /// 25,800 bits, leave forms over a handful of words; the sign kernel's 400 steps per seed would not.
    @Test func signsOfSeveralLayersShortenTheRecurrence() throws {
        let seed: UInt64 = 2_975_312_210
        let architecture = try #require(Architecture.named("ResNet50"))
        let recipe = TorchSeedRecipe(seed: seed, profile: .torch2AVX2, initialisation: .signedConstant)
        let generator = try TorchSeedGenerator(architecture: architecture, recipe: recipe)
        let layers = generator.plan.layers
        let first = try #require(generator.layer(index: layers[0].index, .weights).weights)
        let following = layers.dropFirst().prefix(3).map { layer in
            (weights: generator.layer(index: layer.index, .weights).weights ?? [], known: BitMask?.none, layer: layer)
        }
        let evidence = try SeedEvidence(weights: first, layer: layers[0], following: following)
        #expect(evidence.bits.count == SeedEvidence.bitLimit)
        let query = try #require(SeedScanQuery.reduced(evidence, threads: 2, seeds: SeedRange.seedCount))
        #expect(query.combined?.kind == "sign")
        #expect(query.wordCount <= 8)
        #expect(query.scan(first: seed - 50_000, count: 100_000, kernels: .preferred).hits == [UInt32(seed)])
    }

    /// Without a σ that fits, the angles (about 9.5 bits per output) are combined.
    @Test func anglesAloneShortenTheRecurrenceToo() throws {
        let seed: UInt64 = 123
        let evidence = try Self.evidence(seed: seed) { [$0 * 2] }
        #expect(evidence.radiusDeviation == nil)
        let query = try #require(SeedScanQuery.reduced(evidence, threads: 2, seeds: SeedRange.seedCount))
        #expect(query.wordCount <= 8)
        #expect(query.combined?.kind == "angle")
        #expect(query.scan(first: 0, count: 10_000, kernels: .preferred).hits == [UInt32(seed)])
    }
}

@Suite struct RowsToCombineTests {
    static let parity = SeedScanQuery.parityKernelCost(words: 624)

    /// All 2³² seeds repay combining every row, even 756 regenerations deep (FC); a sixty-fourth of them repays rows
    /// near the stream's start only, and a million seeds none. Signs repay it only when they leave a few words.
    @Test func rowsFollowTheSeedsToSearch() {
        let all = SeedRange.seedCount
        #expect(SeedScanQuery.rowsToCombine(available: 30_000, regenerations: 31, seeds: all, threads: 2, plainCost: Self.parity) >= 20_480)
        #expect(SeedScanQuery.rowsToCombine(available: 30_000, regenerations: 756, seeds: all, threads: 2, plainCost: Self.parity) >= 20_480)
        #expect(SeedScanQuery.rowsToCombine(available: 30_000, regenerations: 31, seeds: 1 << 26, threads: 2, plainCost: Self.parity) > 0)
        #expect(SeedScanQuery.rowsToCombine(available: 30_000, regenerations: 756, seeds: 1 << 26, threads: 2, plainCost: Self.parity) == 0)
        #expect(SeedScanQuery.rowsToCombine(available: 30_000, regenerations: 31, seeds: 1 << 20, threads: 2, plainCost: Self.parity) == 0)
        let signs = SeedScanQuery.signKernelCost
        #expect(SeedScanQuery.rowsToCombine(available: 235_200, regenerations: 33, seeds: all, threads: 2, plainCost: signs) >= 20_480)
        #expect(SeedScanQuery.rowsToCombine(available: 9_408, regenerations: 16, seeds: all, threads: 2, plainCost: signs) == 0)
    }
}
