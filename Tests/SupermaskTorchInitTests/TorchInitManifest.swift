import Foundation
import SupermaskCore
import SupermaskTorchInit

/// Tests/Fixtures/torch-init/manifest.json: what allenai/hidden-networks' `get_model` drew under real torch,
/// written by tools/make_torch_init_fixtures.py.
struct TorchInitManifest: Decodable {
    struct Case: Decodable, CustomStringConvertible {
        var arch: String
        var `init`: String
        var profile: String
        var prune_rate: Double
        var scale_fan: Bool
        var torch_seed: String
        var seed_argument: UInt64?
        var torch_version: String
        var next_draws_low24: [UInt32]
        var layers: [Layer]
        var file: String?

        var description: String {
            "\(arch) \(`init`)\(scale_fan ? " scale_fan \(prune_rate)" : "") \(profile) seed \(torch_seed)\(seed_argument == nil ? " (unseeded)" : "") torch \(torch_version)"
        }

        func recipe() throws -> TorchSeedRecipe {
            guard let seed = UInt64(torch_seed), let profile = TorchProfile(name: profile),
                  let initialisation = TorchInitialisation(name: `init`) else {
                throw SupermaskError("manifest case \(self) names an unknown seed, profile or init")
            }
            return TorchSeedRecipe(
                seed: seed, profile: profile, initialisation: initialisation, scaleFanPruneRate: scale_fan ? prune_rate : nil)
        }

        func generator() throws -> TorchSeedGenerator {
            guard let architecture = Architecture.named(arch) else { throw SupermaskError("unknown architecture \(arch)") }
            return try TorchSeedGenerator(architecture: architecture, recipe: recipe())
        }
    }

    struct Layer: Decodable {
        var name: String
        var shape: [Int]
        var weight_sha256: String
        var scores_sha256: String
        var weight_first: [String]
        var scores_first: [String]
    }

    var cases: [Case]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("torch-init")

    static let shared: TorchInitManifest? = {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("manifest.json").path) else {
            return nil
        }
        return try? JSONDecoder().decode(TorchInitManifest.self, from: data)
    }()

    /// The cases for `arch` with one of the released inits (the `usc` and `ukn` configs), optionally only those
    /// whose runs were unseeded (`--seed` absent).
    static func cases(_ arch: String, unseededOnly: Bool = false) -> [Case] {
        (shared?.cases ?? []).filter {
            $0.arch == arch && $0.file == nil && !$0.scale_fan && ["signed_constant", "kaiming_normal"].contains($0.`init`)
                && (!unseededOnly || $0.seed_argument == nil)
        }
    }

    /// The Conv4 cases of the builder's other inits and of `scale_fan`.
    static var otherInits: [Case] {
        (shared?.cases ?? []).filter {
            $0.arch == "Conv4" && ($0.scale_fan || !["signed_constant", "kaiming_normal"].contains($0.`init`))
        }
    }
}

extension Array where Element == Float {
    /// SHA-256 of the values as little-endian float32, the manifest's digest.
    var sha256: String {
        var hash = SHA256()
        withUnsafeBytes { hash.update($0) }
        return hash.hexDigest()
    }

    /// The first `count` bit patterns in lower-case hex, as the manifest lists them.
    func firstBits(_ count: Int) -> [String] {
        prefix(count).map { value in
            let digits = String(value.bitPattern, radix: 16)
            return String(repeating: "0", count: 8 - digits.count) + digits
        }
    }
}
