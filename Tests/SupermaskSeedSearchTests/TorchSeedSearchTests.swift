import SupermaskCore
import SupermaskTorchInit
import Testing
@testable import SupermaskSeedSearch

@Suite struct TorchSeedSearchTests {
    /// A seeded run (`--seed 42`) and an unseeded one (a random 64-bit seed from /dev/urandom, of which torch keeps
    /// the low 32 bits), signed constant and Kaiming normal, in each profile: the search over a range holding the
    /// seed finds it with no other hint, regenerates every weight and names the profiles that reproduce them.
    @Test(arguments: [
        (UInt64(42), TorchInitialisation.signedConstant, TorchProfile.torch2AVX2),
        (13_799_038_818_732_298_626, .signedConstant, .torch2Default),
        (42, .kaimingNormal, .torch2AVX2),
        (13_799_038_818_732_298_626, .kaimingNormal, .torch13AVX2),
        (987_654_321, .kaimingNormal, .torch2Default),
    ])
    func findsTheSeedOfARegeneratedModel(seed: UInt64, initialisation: TorchInitialisation, profile: TorchProfile) throws {
        guard profile.isAvailable else { return }
        let model = try SeededModel.model(SeededModel.tinyConv, TorchSeedRecipe(seed: seed, profile: profile, initialisation: initialisation))
        let low = seed & 0xFFFF_FFFF
        let range = try SeedRange(low >= 30_000 ? low - 30_000 : 0, min(low + 35_536, SeedRange.seedCount))
        let report = try TorchSeedSearch.search(model: model, range: range, threads: 2)
        let match = try #require(report.match, "\(report.notFoundDescription)")
        #expect(UInt64(match.seed) == low)
        #expect(match.recipe.initialisation == initialisation)
        #expect(match.recipe.scaleFanPruneRate == nil)
        #expect(match.verifiedWeights == SeededModel.tinyConv.convolutions.reduce(0) { $0 + $1.weightCount })
        #expect(match.matchingProfiles.contains(profile))
        switch (initialisation, profile.normalMath) {
        case (.signedConstant, _): #expect(match.matchingProfiles == TorchProfile.allCases.filter(\.isAvailable))
        case (_, .avxMathFun): #expect(match.matchingProfiles == [.torch2AVX2, .torch13AVX2])
        case (_, .glibc): #expect(match.matchingProfiles == [.torch2Default])
        }
        #expect(report.rejected.isEmpty)
        #expect(report.evidence.contains(initialisation == .signedConstant ? "signs of 'convs.0'" : "Box–Muller pairs of 'convs.0'"))
    }

    /// A BN ResNet whose shortcuts are built after their block's convolutions: every layer is checked in that order.
    @Test func findsTheSeedOfAResNet() throws {
        let recipe = TorchSeedRecipe(seed: 2_024, profile: .torch2AVX2, initialisation: .kaimingNormal)
        let model = try SeededModel.model(SeededModel.tinyResNet, recipe)
        let report = try TorchSeedSearch.search(model: model, range: try SeedRange(0, 4_096), threads: 1)
        #expect(report.match?.seed == 2_024)
        #expect(report.match?.verifiedWeights == SeededModel.tinyResNet.convolutions.reduce(0) { $0 + $1.weightCount })
    }

    /// `scale_fan` changes σ but not the signs or angles: the seed is found and the setting recognised.
    @Test func recognisesScaleFan() throws {
        for initialisation in [TorchInitialisation.signedConstant, .kaimingNormal] {
            let recipe = TorchSeedRecipe(seed: 77, profile: .torch2AVX2, initialisation: initialisation, scaleFanPruneRate: 0.5)
            let model = try SeededModel.model(SeededModel.tinyConv, recipe, keep: 0.5)
            let report = try TorchSeedSearch.search(model: model, range: try SeedRange(0, 1_000), threads: 2)
            #expect(report.match?.seed == 77)
            #expect(report.match?.recipe.scaleFanPruneRate == 0.5)
        }
    }

    /// The profile named among those the weights cannot tell apart follows the format torch.save wrote.
    @Test func namesTheProfileFromTheCheckpointFormat() throws {
        let recipe = TorchSeedRecipe(seed: 5, profile: .torch2AVX2, initialisation: .kaimingNormal)
        for (format, expected) in [("legacy", TorchProfile.torch13AVX2), ("zip", .torch2AVX2), (nil, .torch2AVX2)] {
            let metadata: [(key: String, value: MetadataValue)] = format.map { [("source_format", .text($0))] } ?? []
            let model = try SeededModel.model(SeededModel.tinyConv, recipe, metadata: metadata)
            let report = try TorchSeedSearch.search(model: model, range: try SeedRange(0, 64), threads: 1)
            #expect(report.match?.recipe.profile == expected, "\(format ?? "no format")")
            #expect(report.match?.profileBasis.contains("initial scores") == true)
        }
    }

    /// No seed in the range: every seed is tested, nothing is found, and the report says what was tried.
    @Test func reportsARangeWithoutTheSeed() throws {
        let model = try SeededModel.model(SeededModel.tinyConv, TorchSeedRecipe(seed: 70_000, profile: .torch2AVX2, initialisation: .kaimingNormal))
        let range = try SeedRange(0, 65_536)
        let report = try TorchSeedSearch.search(model: model, range: range, threads: 2)
        #expect(report.match == nil)
        #expect(report.tested == 65_536)
        #expect(report.rejected.isEmpty)
        #expect(report.notFoundDescription.hasPrefix("no torch seed in seeds 0-65535 reproduces the weights (65536 seeds tested against the Box–Muller pairs of 'convs.0' (radii fit σ = 0.27216554); "))
        #expect(report.notFoundDescription.hasSuffix("parities kernel over 624 of 624 state words, 64 bits)"))
    }

    /// A search of all 2³² (what the export command runs without --torch-seed) goes from seed 0 up and stops at the
    /// match.
    @Test func aFullSearchFindsASmallSeedAtOnce() throws {
        let model = try SeededModel.model(SeededModel.tinyConv, TorchSeedRecipe(seed: 1, profile: .torch2Default, initialisation: .kaimingNormal))
        let report = try TorchSeedSearch.search(model: model, threads: 2)
        #expect(report.match?.seed == 1)
        #expect(report.match?.recipe.profile == .torch2Default)
        #expect(report.tested <= 1 << 20)
    }

    /// A model whose first layer fits the seed but a later weight does not (edited, or drawn in another order) is
    /// rejected with the weight that differs.
    @Test func rejectsASeedThatDoesNotRegenerateEveryWeight() throws {
        var model = try SeededModel.model(SeededModel.tinyConv, TorchSeedRecipe(seed: 31_337, profile: .torch2AVX2, initialisation: .signedConstant))
        model.convolutions["linear.2"]?.weight[17].negate()
        let report = try TorchSeedSearch.search(model: model, range: try SeedRange(31_000, 32_000), threads: 2)
        #expect(report.match == nil)
        #expect(report.rejected.map(\.seed) == [31_337])
        #expect(report.rejected.first?.reason.contains("'linear.2' weight 17 is") == true)
        #expect(report.notFoundDescription.contains("1 seed matched those bits but not the model, e.g. 31337"))
    }

    /// Layers built in another order than hidden-networks' (or a script that drew before get_model) put other
    /// draws where the search reads: no seed is found.
    @Test func findsNothingWhenTheLayersWereDrawnInAnotherOrder() throws {
        let order = Array(SeededModel.tinyConv.convolutions.indices.reversed())
        let model = try SeededModel.model(
            SeededModel.tinyConv, TorchSeedRecipe(seed: 12, profile: .torch2AVX2, initialisation: .signedConstant), constructionOrder: order)
        let report = try TorchSeedSearch.search(model: model, range: try SeedRange(0, 4_096), threads: 2)
        #expect(report.match == nil)
        #expect(report.tested == 4_096)
    }

    /// Weights without evidence are refused before any search.
    @Test func refusesConstantWeights() throws {
        let recipe = TorchSeedRecipe(seed: 3, profile: .torch2AVX2, initialisation: .unsignedConstant)
        let model = try SeededModel.model(SeededModel.tinyConv, recipe)
        #expect {
            try TorchSeedSearch.search(model: model, range: try SeedRange(0, 10), threads: 1)
        } throws: { error in
            (error as? SupermaskError)?.message.contains("a constant init, whose weights carry nothing of the seed") == true
        }
    }

    /// A container that stores only the kept weights reads the others as 0: with `keptOnly` they are unknown, the
    /// signs and pairs that are known find the seed, and only kept weights are compared.
    @Test func findsTheSeedFromTheKeptWeightsAlone() throws {
        for initialisation in [TorchInitialisation.signedConstant, .kaimingNormal] {
            var model = try SeededModel.model(SeededModel.tinyConv, TorchSeedRecipe(seed: 4_242, profile: .torch2AVX2, initialisation: initialisation), keep: 0.7)
            for (name, parameters) in model.convolutions {
                model.convolutions[name]?.weight = parameters.effectiveWeight
            }
            let report = try TorchSeedSearch.search(model: model, range: try SeedRange(0, 8_192), threads: 2, keptOnly: true)
            #expect(report.match?.seed == 4_242, "\(initialisation)")
            #expect(report.match?.verifiedWeights == model.convolutions.values.reduce(0) { $0 + $1.keptCount })
        }
    }

    /// The portable kernels find the same seed as the AVX2 ones.
    @Test func portableKernelsFindTheSeedToo() throws {
        let model = try SeededModel.model(SeededModel.tinyConv, TorchSeedRecipe(seed: 600, profile: .torch2AVX2, initialisation: .kaimingNormal))
        let report = try TorchSeedSearch.search(model: model, range: try SeedRange(0, 2_048), threads: 2, kernels: .portable)
        #expect(report.match?.seed == 600)
        #expect(report.kernels.hasPrefix("portable"))
    }
}
