/// The `--init` choices of hidden-networks' `Builder._init_conv`, applied to every conv after its constructor
/// has drawn the default Kaiming-uniform weight w₀ (and, for SubnetConv, the scores).
public enum TorchInitialisation: String, Sendable, CaseIterable, CustomStringConvertible {
    /// sign(w₀) · σ: the `usc` models. No draws.
    case signedConstant = "signed-constant"
    /// normal_(0, σ): the `ukn` models. n draws, + 16 when n is not a multiple of 16.
    case kaimingNormal = "kaiming-normal"
    /// σ everywhere. No draws.
    case unsignedConstant = "unsigned-constant"
    /// `kaiming_uniform_(mode=fan_in, relu)`: n draws (`scale_fan` ignored, as the builder does).
    case kaimingUniform = "kaiming-uniform"
    /// `xavier_normal_`: n (+16) draws (`scale_fan` and `mode` ignored).
    case xavierNormal = "xavier-normal"
    /// sign(w₀) · √(2 / (fan_in + fan_out)). No draws.
    case xavierConstant = "xavier-constant"
    /// `kaiming_uniform_(a=√5)` again: a fresh PyTorch-default draw. n draws.
    case standard = "standard"

    /// The name in containers and on the command line.
    public var description: String { rawValue }

    /// The name hidden-networks' configs use (`signed_constant`, …).
    public var configName: String { String(rawValue.map { $0 == "-" ? "_" : $0 }) }

    /// The init called `name` here or in a hidden-networks config.
    public init?(name: String) { self.init(rawValue: String(name.map { $0 == "_" ? "-" : $0 })) }

    /// How many generator outputs the init draws for a layer of `count` weights, after w₀ and the scores.
    public func drawCount(_ count: Int) -> Int {
        switch self {
        case .signedConstant, .unsignedConstant, .xavierConstant: return 0
        case .kaimingUniform, .standard: return count
        case .kaimingNormal, .xavierNormal: return TorchNormal.drawCount(count)
        }
    }

    /// Whether the init keeps the signs of w₀ (which are then all that the weight draws decide).
    public var usesInitialSigns: Bool { self == .signedConstant || self == .xavierConstant }

    /// Whether a tensor must hold at least 16 elements (`normal_`'s vectorised path).
    var needsNormalFill: Bool { self == .kaimingNormal || self == .xavierNormal }
}

extension TorchInitialisation {
    /// Whether the init's weights come out the same under both profiles: the constant inits keep only signs, which
    /// every profile shares; the normal inits differ only where the profiles' log/sin/cos do, the uniform ones only
    /// where their rounding does. (The initial scores are uniform draws and differ whenever the rounding does.)
    public func givesSameWeights(under first: TorchProfile, and second: TorchProfile) -> Bool {
        switch self {
        case .signedConstant, .unsignedConstant, .xavierConstant: return true
        case .kaimingNormal, .xavierNormal: return first.normalMath == second.normalMath
        case .kaimingUniform, .standard: return first.uniformRounding == second.uniformRounding
        }
    }

    /// Whether `--scale-fan` changes the init (the builder applies it to these three only).
    public var honoursScaleFan: Bool { self == .signedConstant || self == .unsignedConstant || self == .kaimingNormal }
}
