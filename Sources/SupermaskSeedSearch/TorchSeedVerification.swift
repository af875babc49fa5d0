import SupermaskCore
import SupermaskTorchInit

/// Decides whether a seed regenerates a model's weights, and under which init, `scale_fan` and profile.
///
/// The first layer (in construction order) is regenerated under each candidate first — the inits that fit the
/// weights' look, with and without `scale_fan`, once per distinct way a profile computes them — and only a
/// candidate that reproduces it bit for bit regenerates the whole model, layer by layer, stopping at the first
/// differing weight.
public enum TorchSeedVerification {
    /// The result of checking one seed.
    public enum Outcome: Sendable {
        /// Every weight is reproduced.
        case match(TorchSeedMatch)
        /// Not reproduced; the reason names the first weight that differs under the closest candidate.
        case mismatch(String)
    }

    /// Checks `seed` against every weight of `model`.
    public static func check(model: Model, seed: UInt32) -> Outcome {
        let architecture = model.architecture
        let convolutions = architecture.convolutions
        let order = TorchDrawPlan.hiddenNetworksConstructionOrder(architecture)
        guard let firstIndex = order.first else { return .mismatch("the model has no convolutions") }
        let firstWeights = model.parameters(of: convolutions[firstIndex]).weight
        let isSignedConstant = firstWeights.allSatisfy { $0.magnitude == firstWeights.first?.magnitude }
        let initialisations: [TorchInitialisation] = isSignedConstant ? [.signedConstant, .xavierConstant] : [.kaimingNormal, .xavierNormal]
        let scaleFanOptions: [Double?] = [nil] + (model.keep.map { [$0.value] } ?? [])
        let profiles = TorchProfile.allCases.filter(\.isAvailable)

        var closest: String?
        for initialisation in initialisations {
            for scaleFan in scaleFanOptions where scaleFan == nil || initialisation.usesScaleFan {
                // Profiles that compute this init's weights alike are tried once.
                var classes: [[TorchProfile]] = []
                for profile in profiles {
                    if let index = classes.firstIndex(where: { initialisation.drawsWeightsAlike($0[0], profile) }) {
                        classes[index].append(profile)
                    } else {
                        classes.append([profile])
                    }
                }
                for profilesAlike in classes {
                    let recipe = TorchSeedRecipe(
                        seed: UInt64(seed), profile: profilesAlike[0], initialisation: initialisation, scaleFanPruneRate: scaleFan)
                    switch compare(model: model, recipe: recipe) {
                    case .success(let count):
                        let (profile, basis) = nameProfile(among: profilesAlike, model: model)
                        var named = recipe
                        named.profile = profile
                        return .match(TorchSeedMatch(
                            seed: seed, recipe: named, matchingProfiles: profilesAlike, profileBasis: basis, verifiedWeights: count))
                    case .failure(let difference):
                        // A difference past the first layer says more than one in it.
                        if closest == nil || !difference.inFirstLayer {
                            closest = "\(recipe.initialisation), \(describe(scaleFan)), \(profilesAlike.map(\.rawValue).joined(separator: "/")): \(difference.text)"
                        }
                    }
                }
            }
        }
        return .mismatch(closest ?? "no init fits the weights")
    }

    /// The first weight that differs.
    private struct Difference: Error {
        var text: String
        var inFirstLayer: Bool
    }

    /// Regenerates the model's weights under `recipe` and compares them, stopping at the first difference.
    private static func compare(model: Model, recipe: TorchSeedRecipe) -> Result<Int, Difference> {
        let generator: TorchSeedGenerator
        do {
            generator = try TorchSeedGenerator(architecture: model.architecture, recipe: recipe)
        } catch {
            return .failure(Difference(text: "\(error)", inFirstLayer: true))
        }
        var compared = 0
        var difference: Difference?
        var isFirst = true
        generator.forEachLayer(.weights) { tensors in
            let convolution = tensors.layer.convolution
            let stored = model.parameters(of: convolution).weight
            let drawn = tensors.weights ?? []
            if let index = firstDifference(stored, drawn) {
                let storedText = index < stored.count ? hex(stored[index]) : "nothing"
                let drawnText = index < drawn.count ? hex(drawn[index]) : "nothing"
                difference = Difference(
                    text: "'\(convolution.name.escapedForDisplay())' weight \(index) is \(storedText), regenerated \(drawnText)",
                    inFirstLayer: isFirst)
                return false
            }
            compared += stored.count
            isFirst = false
            return true
        }
        if let difference { return .failure(difference) }
        return .success(compared)
    }

    /// The first index where the two differ in bits or where one ends, if any.
    private static func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
        for index in 0..<min(a.count, b.count) where a[index].bitPattern != b[index].bitPattern { return index }
        return a.count == b.count ? nil : min(a.count, b.count)
    }

    /// Which of the profiles that reproduce the weights to name, and why: the weights cannot tell them apart, but
    /// the format `torch.save` wrote can tell torch 1.3 from torch 2.
    static func nameProfile(among profiles: [TorchProfile], model: Model) -> (TorchProfile, String) {
        if profiles.count == 1 { return (profiles[0], "the only profile whose weights match") }
        let alike = "the weights fit \(profiles.map(\.rawValue).joined(separator: ", ")) alike"
        let format = model.metadata.first { $0.key == "source_format" }?.value.description
        switch format {
        case "legacy" where profiles.contains(.torch13AVX2):
            return (.torch13AVX2, "\(alike); the checkpoint is in torch's legacy format (torch < 1.6, like the 2019 releases made with torch 1.3), so torch 1.3's unfused uniform is assumed for the initial scores")
        case "zip" where profiles.contains(.torch2AVX2):
            return (.torch2AVX2, "\(alike); the checkpoint is in torch's zip format (torch ≥ 1.6), so torch 2 on an AVX2 CPU (fused uniform) is assumed for the initial scores; a run under ATEN_CPU_CAPABILITY=default drew them as torch2-default")
        case "zip" where profiles.contains(.torch2Default):
            return (.torch2Default, "\(alike); the checkpoint is in torch's zip format (torch ≥ 1.6): torch2-default assumed for the initial scores")
        default:
            let assumed = profiles.contains(.torch13AVX2) ? TorchProfile.torch13AVX2 : profiles[0]
            return (assumed, "\(alike); nothing records the torch version, so \(assumed) (the released checkpoints' profile) is assumed for the initial scores")
        }
    }

    private static func describe(_ scaleFan: Double?) -> String {
        scaleFan.map { "scale_fan with prune rate \($0)" } ?? "no scale_fan"
    }

    private static func hex(_ value: Float) -> String {
        let digits = String(value.bitPattern, radix: 16)
        return "\(value) (0x\(String(repeating: "0", count: 8 - digits.count))\(digits))"
    }
}

extension TorchInitialisation {
    /// Whether `scale_fan` changes the init's σ.
    var usesScaleFan: Bool { self == .signedConstant || self == .kaimingNormal || self == .unsignedConstant }

    /// Whether the two profiles give this init's weights identically (its weights use only what they share).
    func drawsWeightsAlike(_ a: TorchProfile, _ b: TorchProfile) -> Bool {
        switch self {
        case .signedConstant, .xavierConstant, .unsignedConstant: return true
        case .kaimingNormal, .xavierNormal: return a.normalMath == b.normalMath
        case .kaimingUniform, .standard: return a.uniformRounding == b.uniformRounding
        }
    }
}
