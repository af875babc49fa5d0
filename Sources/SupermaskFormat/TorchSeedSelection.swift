import SupermaskCore
import SupermaskTorchInit

/// Decides whether a torch seed can stand in for a model's weights (`supermask export --weights torch-seed`):
/// regenerates them under the init and profile the model allows and compares every one bit for bit.
public enum TorchSeedSelection {
    /// A seed that regenerates every weight, and what could not be told from the weights.
    public struct Verified: Sendable {
        /// What the container records.
        public let record: TorchSeedRecord
        /// Every profile that gives these weights (for signed-constant weights all of them).
        public let matchingProfiles: [TorchProfile]
        /// Why `record`'s profile was named when several match (the weights cannot tell, the initial scores differ).
        public let profileNote: String?
    }

    /// The seed, profile and init a model's metadata records (`torch_seed`, `torch_profile`, `torch_init`: written
    /// by a torch-seed container's reader, or pinned after a recovery), if it records a seed.
    public static func recorded(in model: Model) -> (seed: UInt64, profile: TorchProfile?, initialisation: TorchInitialisation?)? {
        func text(_ key: String) -> String? {
            if case .text(let value)? = model.metadata.first(where: { $0.key == key })?.value { return value }
            return nil
        }
        guard let seed = text("torch_seed").flatMap({ UInt64($0) }) else { return nil }
        return (seed, text("torch_profile").flatMap(TorchProfile.init(name:)), text("torch_init").flatMap(TorchInitialisation.init(name:)))
    }

    /// Checks that `seed` regenerates every weight of `model` (with `keptOnly`, every kept weight: a model read from a
    /// container that stores no others). The init is `initialisation`, else the one the weights look like; the
    /// profile is `profile`, else the first that matches in the order the checkpoint's format suggests.
    /// Throws, naming the first weight that differs, when no candidate reproduces them all.
    public static func verify(
        model: Model, seed: UInt64, profile: TorchProfile? = nil, initialisation: TorchInitialisation? = nil,
        keptOnly: Bool = false
    ) throws -> Verified {
        let architecture = model.architecture
        let order = TorchDrawPlan.hiddenNetworksConstructionOrder(architecture)
        guard let first = order.first else { throw SupermaskError("the model has no convolutions") }
        let initialisations = initialisation.map { [$0] } ?? [lookOf(model.parameters(of: architecture.convolutions[first]).weight)]
        let profiles = profile.map { [$0] } ?? preferredProfiles(model)
        if let profile, !profile.isAvailable {
            throw SupermaskError("profile \(profile) needs glibc's logf/sinf/cosf, which this platform does not have")
        }
        var firstDifference: String?
        var triedInits: [String] = []
        for initialisation in initialisations {
            let scaleFans: [Double?] = [nil] + (initialisation.honoursScaleFan ? model.keep.map { [$0.value] } ?? [] : [])
            triedInits.append("\(initialisation)" + (scaleFans.count > 1 ? " (with and without scale_fan)" : ""))
            for scaleFan in scaleFans {
                var tried: [TorchProfile] = []
                for candidate in profiles where !tried.contains(where: { initialisation.givesSameWeights(under: $0, and: candidate) }) {
                    tried.append(candidate)
                    let recipe = TorchSeedRecipe(seed: seed, profile: candidate, initialisation: initialisation, scaleFanPruneRate: scaleFan)
                    let generator = try TorchSeedGenerator(architecture: architecture, recipe: recipe)
                    if let difference = generator.firstWeightDifference(in: model, keptOnly: keptOnly) {
                        firstDifference = firstDifference ?? "under \(candidate), \(difference)"
                        continue
                    }
                    let matching = TorchProfile.allCases.filter { $0.isAvailable && initialisation.givesSameWeights(under: $0, and: candidate) }
                    let note = matching.count > 1 && profile == nil
                        ? "the weights are the same under \(matching.map(\.rawValue).joined(separator: ", ")); \(candidate) is assumed for the initial scores (\(reason(candidate, model)))"
                        : nil
                    return Verified(record: TorchSeedRecord(recipe: recipe, architecture: architecture), matchingProfiles: matching, profileNote: note)
                }
            }
        }
        guard let firstDifference else { throw SupermaskError("no torch profile is available on this platform") }
        throw SupermaskError("torch seed \(seed) does not regenerate the weights as \(triedInits.joined(separator: " or ")) under \(profiles.map(\.rawValue).joined(separator: ", ")): \(firstDifference)")
    }

    /// Signed constant when every weight of the layer has one magnitude, else Kaiming normal (the two released inits).
    private static func lookOf(_ weights: [Float]) -> TorchInitialisation {
        KeptWeights.signedConstant(weights) != nil ? .signedConstant : .kaimingNormal
    }

    /// torch 1.3's profile first for a checkpoint torch saved in its legacy format (torch < 1.6, as the 2019
    /// releases), torch 2's otherwise; the AVX2 kernels before the default ones (any AVX2 CPU runs them).
    private static func preferredProfiles(_ model: Model) -> [TorchProfile] {
        let order: [TorchProfile] = sourceFormat(model) == "legacy"
            ? [.torch13AVX2, .torch2AVX2, .torch2Default] : [.torch2AVX2, .torch13AVX2, .torch2Default]
        return order.filter(\.isAvailable)
    }

    private static func reason(_ profile: TorchProfile, _ model: Model) -> String {
        switch sourceFormat(model) {
        case "legacy": return "the checkpoint is in torch's legacy format, written by torch < 1.6"
        case "zip": return "the checkpoint is in torch's zip format, written by torch ≥ 1.6"
        default: return "nothing records the torch version; pass --torch-profile to choose"
        }
    }

    private static func sourceFormat(_ model: Model) -> String? {
        if case .text(let format)? = model.metadata.first(where: { $0.key == "source_format" })?.value { return format }
        return nil
    }
}
