import SupermaskTorchInit

/// A torch seed that regenerates every weight of a model bit for bit, and how it was established.
public struct TorchSeedMatch: Sendable {
    /// The seed's low 32 bits: `torch.manual_seed(s)` for any s ≡ seed (mod 2³²) reproduces the model.
    public let seed: UInt32
    /// The seed with the profile named for the model, its init and `scale_fan` setting.
    public let recipe: TorchSeedRecipe
    /// Every available profile whose regenerated weights equal the model's (for signed-constant weights all of
    /// them: only the signs of the uniform draw survive; for Kaiming-normal ones those sharing a normal variant).
    public let matchingProfiles: [TorchProfile]
    /// Why `recipe.profile` was named among `matchingProfiles`: what decides the initial scores, which the
    /// frozen weights cannot.
    public let profileBasis: String
    /// How many weights were compared, every one equal bit for bit.
    public let verifiedWeights: Int
}
