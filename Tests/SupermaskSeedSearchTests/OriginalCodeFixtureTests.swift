import Foundation
import SupermaskCore
import SupermaskTorchInit
import Testing
@testable import SupermaskSeedSearch

/// Seeds found in layers that allenai/hidden-networks' own code drew under torch (Tests/Fixtures/seed-recovery,
/// made by tools/make_seed_recovery_fixtures.py): every architecture of the released and small-scale configs, usc
/// and ukn, torch's avx2 and default kernels, `--seed` given and not.
@Suite struct OriginalCodeFixtureTests {
    struct Manifest: Decodable {
        var cases: [Case]
    }

    struct Case: Decodable, CustomStringConvertible, Sendable {
        var name: String
        var arch: String
        var `init`: String
        var profile: String
        var torch_seed: String
        var seed_argument: UInt64?
        var layer: String
        var count: Int
        var stored: Int
        var file: String
        var prune_rate: Double

        var description: String { name }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/seed-recovery")

    static let cases: [Case] = {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("manifest.json").path),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases
    }()

    @Test func theManifestCoversEveryCase() {
        #expect(Set(Self.cases.map(\.arch)) == ["FC", "Conv4", "cResNet18", "ResNet50", "WideResNet50_2"])
        #expect(Self.cases.count == 5 * 2 * 2 * 2)
        #expect(Set(Self.cases.map(\.profile)) == ["torch2-avx2", "torch2-default"])
    }

    /// The seed, from the first 4096 weights of the first layer alone (the rest unknown): the plain test finds
    /// exactly it among 65,536 seeds around it; the radii of Kaiming-normal weights fit Kaiming's σ.
    @Test(arguments: cases)
    func findsTheSeedFromTheFirstLayer(testCase: Case) throws {
        let architecture = try #require(Architecture.named(testCase.arch))
        let initialisation = try #require(TorchInitialisation(name: testCase.`init`))
        let seed = try #require(UInt64(testCase.torch_seed)) & 0xFFFF_FFFF
        let plan = try TorchDrawPlan(architecture: architecture, initialisation: initialisation)
        let layer = plan.layers[0]
        #expect(layer.convolution.name == testCase.layer && layer.convolution.weightCount == testCase.count)
        let stored = try NPY.read(contentsOf: Self.directory.appendingPathComponent(testCase.file).path).scalars
        #expect(stored.count == testCase.stored)
        var known = BitMask(count: testCase.count)
        for index in stored.indices { known.insert(index) }
        let weights = stored + [Float](repeating: 0, count: testCase.count - stored.count)
        let evidence = try SeedEvidence(
            weights: weights, known: known, layer: layer,
            deviations: TorchSeedSearch.normalDeviations(of: layer.convolution, keep: try KeepFraction(testCase.prune_rate)))
        #expect(evidence.kind == (initialisation == .signedConstant ? .signs : .normal))
        let first = seed >= 1 << 15 ? min(seed - 1 << 15, (1 << 32) - (1 << 16)) : 0
        let query = SeedScanQuery.plain(evidence)
        #expect(query.scan(first: first, count: 1 << 16, kernels: .preferred).hits == [UInt32(seed)], "\(testCase): \(query.summary)")
        if evidence.kind == .normal {
            #expect(evidence.radiusDeviation != nil, "\(testCase): the radii fit Kaiming's σ")
        }
    }

    /// The radius and angle bits of torch's own normal_ (both kernels), combined into forms over a few words, find
    /// the seed (one architecture: each elimination takes seconds).
    @Test(arguments: cases.filter { $0.arch == "ResNet50" && $0.`init` == "kaiming_normal" && $0.seed_argument == nil })
    func sumsOfTorchsBitsFindTheSeed(testCase: Case) throws {
        let architecture = try #require(Architecture.named(testCase.arch))
        let plan = try TorchDrawPlan(architecture: architecture, initialisation: .kaimingNormal)
        let layer = plan.layers[0]
        let stored = try NPY.read(contentsOf: Self.directory.appendingPathComponent(testCase.file).path).scalars
        var known = BitMask(count: testCase.count)
        for index in stored.indices { known.insert(index) }
        let evidence = try SeedEvidence(
            weights: stored + [Float](repeating: 0, count: testCase.count - stored.count), known: known, layer: layer,
            deviations: TorchSeedSearch.normalDeviations(of: layer.convolution, keep: nil))
        let query = try #require(SeedScanQuery.reduced(evidence, threads: 2, seeds: SeedRange.seedCount))
        #expect(query.combined?.kind == "radius and angle")
        #expect(query.wordCount <= 8)
        let seed = try #require(UInt64(testCase.torch_seed)) & 0xFFFF_FFFF
        let first = seed >= 1 << 20 ? min(seed - 1 << 20, (1 << 32) - (1 << 21)) : 0
        #expect(query.scan(first: first, count: 1 << 21, kernels: .preferred).hits == [UInt32(seed)], "\(testCase)")
    }
}
