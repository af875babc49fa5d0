import SupermaskCore

/// How a container stores a convolution's weights (docs/format.md §6).
public enum WeightMode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// The kept weights as float32: lossless for any model.
    case fp32 = 0
    /// The kept weights rounded to IEEE half precision (lossy).
    case fp16 = 1
    /// The kept weights rounded to bfloat16 (lossy).
    case bf16 = 2
    /// One float32 constant per layer, the positions of kept weights that are exactly zero, and the sign of
    /// each kept weight: lossless when every kept |w| of a layer is the constant or 0 (the `usc` models).
    case signed = 3
    /// Nothing: the weights are regenerated from the container's seed (`WeightGenerator`).
    case seed = 4
    /// Nothing: the weights are regenerated from a torch seed as hidden-networks drew them (`TorchSeedRecord`).
    case torchSeed = 5

    /// The name on the command line.
    public var description: String {
        switch self {
        case .fp32: return "fp32"
        case .fp16: return "fp16"
        case .bf16: return "bf16"
        case .signed: return "signed"
        case .seed: return "seed"
        case .torchSeed: return "torch-seed"
        }
    }

    /// Whether the weights are regenerated rather than stored.
    public var isRegenerated: Bool { self == .seed || self == .torchSeed }

    /// Whether loading gives back the exported weights bit for bit.
    public var isLossless: Bool { self != .fp16 && self != .bf16 }

    /// The mode called `name` on the command line.
    public init?(name: String) {
        guard let mode = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = mode
    }
}
