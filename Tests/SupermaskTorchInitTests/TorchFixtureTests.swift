import SupermaskCore
import Testing
@testable import SupermaskTorchInit

/// Every weight and initial score that allenai/hidden-networks' own code drew under torch (seeded and unseeded,
/// avx2 and default kernels; Tests/Fixtures/torch-init/manifest.json), regenerated from the seed alone.
@Suite struct TorchFixtureTests {
    @Test func theManifestIsReadable() throws {
        let manifest = try #require(TorchInitManifest.shared, "Tests/Fixtures/torch-init/manifest.json is missing or malformed")
        #expect(Set(manifest.cases.map(\.arch)).isSuperset(of: ["FC", "Conv4", "cResNet18"]))
        #expect(Set(manifest.cases.map(\.profile)) == ["torch2-avx2", "torch2-default"])
    }

    /// Compares every layer the manifest lists (all of them unless `only` names some) and the stream position
    /// after the model: the next 16 draws.
    private func check(_ testCase: TorchInitManifest.Case, only: Set<String>? = nil, scores: Bool = true) throws {
        let generator = try testCase.generator()
        guard generator.recipe.profile.isAvailable else { return }
        let expected = Dictionary(uniqueKeysWithValues: testCase.layers.map { ($0.name, $0) })
        #expect(Set(expected.keys) == Set(generator.architecture.convolutions.map(\.name)), "\(testCase)")
        var checked = 0
        for layer in generator.plan.layers where only?.contains(layer.convolution.name) ?? true {
            let tensors = generator.layer(index: layer.index, scores ? [.weights, .scores] : .weights)
            let name = layer.convolution.name
            let reference = try #require(expected[name])
            let weights = try #require(tensors.weights)
            #expect(weights.firstBits(4) == reference.weight_first, "\(testCase): \(name).weight")
            #expect(weights.sha256 == reference.weight_sha256, "\(testCase): \(name).weight")
            if scores {
                let scores = try #require(tensors.scores)
                #expect(scores.firstBits(4) == reference.scores_first, "\(testCase): \(name).scores")
                #expect(scores.sha256 == reference.scores_sha256, "\(testCase): \(name).scores")
            }
            checked += 1
        }
        #expect(checked == (only?.count ?? testCase.layers.count))
        var stream = TorchMersenneTwister(seed: generator.recipe.seed)
        stream.skip(generator.plan.totalDraws)
        #expect((0..<16).map { _ in stream.next() & 0xFF_FFFF } == testCase.next_draws_low24, "\(testCase): stream position")
    }

    @Test func fullyConnected() throws {
        let cases = TorchInitManifest.cases("FC")
        #expect(cases.count == 8)
        for testCase in cases { try check(testCase) }
    }

    @Test func conv4() throws {
        let cases = TorchInitManifest.cases("Conv4")
        #expect(cases.count == 8)
        for testCase in cases { try check(testCase) }
    }

    /// The unseeded runs (one per init and kernel); the seeded ones differ only in the seed.
    @Test func cifarResNet18() throws {
        let cases = TorchInitManifest.cases("cResNet18", unseededOnly: true)
        #expect(cases.count == 4)
        for testCase in cases { try check(testCase) }
    }

    /// kaiming_uniform, xavier_normal, unsigned_constant, xavier_constant, standard and the two scale_fan configs
    /// (prune rate 0.5), weights only: their scores are drawn as in every other case.
    @Test func theBuildersOtherInits() throws {
        let cases = TorchInitManifest.otherInits
        #expect(cases.count == 14)
        #expect(Set(cases.map(\.`init`)) == [
            "kaiming_uniform", "xavier_normal", "signed_constant", "kaiming_normal", "unsigned_constant", "xavier_constant", "standard",
        ])
        for testCase in cases { try check(testCase, scores: false) }
    }

    /// The stem, the first downsample (built before its block), a bottleneck's 3×3 and the classifier at the far
    /// end of the stream, and the stream position after all 54 layers.
    @Test(arguments: ["ResNet50", "WideResNet50_2"])
    func largeModelsAtTheirEnds(arch: String) throws {
        let cases = TorchInitManifest.cases(arch)
        #expect(cases.count == 4)
        for testCase in cases {
            try check(testCase, only: ["conv1", "layer1.0.downsample.0", "layer1.0.conv2", "layer4.2.conv2", "fc"])
        }
    }
}
