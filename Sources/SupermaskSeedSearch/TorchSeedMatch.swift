import SupermaskFormat
import SupermaskTorchInit

/// A torch seed that regenerates every weight of a model bit for bit, and how it was established.
public struct TorchSeedMatch: Sendable {
    /// The seed's low 32 bits: `torch.manual_seed(s)` for any s ≡ seed (mod 2³²) reproduces the model.
    public let seed: UInt32
    /// The check `supermask export --weights torch-seed` makes too: the recipe to store (seed, profile, init,
    /// scale_fan, construction order), the profiles that give the same weights, and why this one was named.
    public let verified: TorchSeedSelection.Verified
    /// How many weights were compared, every one equal bit for bit.
    public let verifiedWeights: Int

    /// Seed, profile, init and scale_fan.
    public var recipe: TorchSeedRecipe { verified.record.recipe }

    /// Every available profile whose regenerated weights equal the model's (for signed-constant weights all of
    /// them: only the signs of the uniform draw survive; for Kaiming-normal ones those sharing a normal variant).
    public var matchingProfiles: [TorchProfile] { verified.matchingProfiles }

    /// Why `recipe.profile` was named: what decides the initial scores, which frozen weights cannot.
    public var profileBasis: String { verified.profileNote ?? "the only profile whose weights match" }
}
