import SupermaskCore

/// Everything besides the architecture that decides a hidden-networks model's initial weights and scores:
/// the torch seed, the PyTorch build that drew them, and the builder's init.
public struct TorchSeedRecipe: Sendable, Equatable {
    /// The seed of `torch.manual_seed` (`--seed`), or `torch.initial_seed()` of an unseeded run; only its low
    /// 32 bits matter.
    public var seed: UInt64
    /// The PyTorch build and CPU kernel.
    public var profile: TorchProfile
    /// `--init`.
    public var initialisation: TorchInitialisation
    /// `--prune-rate` when `--scale-fan` was on (the builder then uses fan · (1 − prune_rate)); `nil` when off,
    /// as in every released model.
    public var scaleFanPruneRate: Double?

    public init(seed: UInt64, profile: TorchProfile, initialisation: TorchInitialisation, scaleFanPruneRate: Double? = nil) {
        self.seed = seed
        self.profile = profile
        self.initialisation = initialisation
        self.scaleFanPruneRate = scaleFanPruneRate
    }

    /// σ of a layer: the signed or unsigned constant's magnitude and the normal init's standard deviation.
    public func standardDeviation(of convolution: Convolution) -> Double {
        switch initialisation {
        case .signedConstant, .unsignedConstant, .kaimingNormal:
            return TorchInitFormulas.reluStandardDeviation(fan: convolution.fanIn, scaleFanPruneRate: scaleFanPruneRate)
        case .kaimingUniform, .standard:
            return TorchInitFormulas.reluStandardDeviation(fan: convolution.fanIn)
        case .xavierNormal, .xavierConstant:
            return TorchInitFormulas.xavierStandardDeviation(
                fanIn: convolution.fanIn, fanOut: convolution.outputChannels * convolution.kernel * convolution.kernel)
        }
    }
}
