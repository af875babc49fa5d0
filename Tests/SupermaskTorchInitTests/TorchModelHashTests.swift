import SupermaskCore
import Testing
@testable import SupermaskTorchInit

/// Whole models against the reference measurements' hashes (torch 2.15): SHA-256 over every layer's weight then
/// scores, in draw order, as little-endian float32, seed 1 (first 32 hex digits). The larger models are covered by
/// the fixtures of TorchFixtureTests.
@Suite struct TorchModelHashTests {
    static func digest(_ architecture: String, _ initialisation: TorchInitialisation, _ profile: TorchProfile, seed: UInt64 = 1) throws -> String {
        let architecture = try #require(Architecture.named(architecture))
        let generator = try TorchSeedGenerator(
            architecture: architecture, recipe: TorchSeedRecipe(seed: seed, profile: profile, initialisation: initialisation))
        var hash = SHA256()
        generator.forEachLayer([.weights, .scores]) { tensors in
            for tensor in [tensors.weights ?? [], tensors.scores ?? []] {
                tensor.withUnsafeBytes { hash.update($0) }
            }
            return true
        }
        return String(hash.hexDigest().prefix(32))
    }

    @Test(arguments: [
        ("FC", TorchInitialisation.signedConstant, "cd91fe883b0c89ad41f7958c909a5137", "cbb61e3d14101e67542a9f8ac048db7b", "cbb61e3d14101e67542a9f8ac048db7b"),
        ("FC", .kaimingNormal, "63ec9debc0721c5c70a997e5ec2a48fb", "14073ed71950e76f5a4d6ac5d0eff5a2", "27907e8c467962db1cba951c79fc8aa2"),
        ("Conv4", .signedConstant, "0c627512f492132aa84016b16d9e9bb7", "d6a21b84c593588c00785dbf50b66294", "d6a21b84c593588c00785dbf50b66294"),
        ("Conv4", .kaimingNormal, "a3a6a40c289e1b738378c05aad94c3bb", "ff062da12d52051a8dde0ce466a270fd", "448702eb8fc274f771633db0a4840d4e"),
    ])
    func smallModels(arch: String, initialisation: TorchInitialisation, avx2: String, defaultKernel: String, torch13: String) throws {
        #expect(try Self.digest(arch, initialisation, .torch2AVX2) == avx2)
        #expect(try Self.digest(arch, initialisation, .torch13AVX2) == torch13)
        if TorchProfile.torch2Default.isAvailable {
            #expect(try Self.digest(arch, initialisation, .torch2Default) == defaultKernel)
        }
    }
}
