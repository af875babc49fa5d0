import SupermaskCore
import SupermaskTorchInit

/// A bit of torch's random stream that a checkpoint reveals: bit `bit` of output `outputIndex` is `value`.
public struct KnownOutputBit: Sendable, Equatable {
    /// The output's position in the stream (0 = the first output after `manual_seed`).
    public var outputIndex: Int
    /// The bit, 0 = least significant.
    public var bit: Int
    /// 0 or 1.
    public var value: UInt32

    public init(outputIndex: Int, bit: Int, value: UInt32) {
        self.outputIndex = outputIndex
        self.bit = bit
        self.value = value
    }

    /// Whether a freshly seeded stream agrees: the bit computed through its linear form.
    func holds(inSeededState state: [UInt32]) -> Bool {
        OutputBitForm(outputIndex: outputIndex, bit: bit).evaluate(state) == value
    }
}

/// What the first layer a model draws reveals about the stream, read from its frozen weights alone.
///
/// A signed-constant layer keeps the signs of `nn.Conv2d`'s default uniform draw w₀, at stream offset 0: weight i
/// is ≥ 0 exactly when bit 23 of output i is set, in every profile. A Kaiming-normal layer is Box–Muller output
/// at offset 2n, whose angles give back the top bits of every second output whatever σ is, and whose radii give
/// those of the others once σ is known (`BoxMullerInversion`).
public struct SeedEvidence: Sendable {
    /// How the layer was initialised, as far as the search is concerned.
    public enum Kind: String, Sendable {
        /// Every |weight| is the same: the signs of w₀ (`signed_constant`, `xavier_constant`).
        case signs
        /// Box–Muller pairs (`kaiming_normal`, `xavier_normal`).
        case normal
    }

    /// The kind of evidence.
    public let kind: Kind
    /// The layer read (the first in construction order) and its place in the stream.
    public let layer: TorchDrawPlan.Layer
    /// Bits that hold for every σ, in stream order: for `.signs`, bit 23 of outputs offset, offset + 1, … (one per
    /// weight, the first layer's and then the following layers', up to `bitLimit`); for `.normal`, the angles'
    /// bits, pair by pair (the first `bitLimit` or a few more).
    public let bits: [KnownOutputBit]
    /// The Box–Muller pairs of a `.normal` layer, in stream order.
    let pairs: [BoxMullerInversion.Pair]
    /// The σ (as float32) the radii fit, among those offered, if any.
    public let radiusDeviation: Float?

    /// Reads the evidence in `weights`, the values of the first convolution drawn, at its place `layer`; the radii
    /// of normal weights are tried against each of `deviations` (the σ of the inits that could have drawn them).
    /// With `known`, only the weights it marks are known (a container that stores only the kept weights). The signs
    /// of the `following` layers (in the order drawn) are read too when the first layer's are.
    public init(
        weights: [Float], known: BitMask? = nil, layer: TorchDrawPlan.Layer, deviations: [Double] = [],
        following: some Sequence<(weights: [Float], known: BitMask?, layer: TorchDrawPlan.Layer)> = []
    ) throws {
        let name = layer.convolution.name.escapedForDisplay()
        guard weights.count == layer.convolution.weightCount, known.map({ $0.count == weights.count }) ?? true else {
            throw SupermaskError("'\(name)' holds \(weights.count) weights, expected \(layer.convolution.weightCount)")
        }
        let indices = weights.indices.filter { known?[$0] ?? true }
        guard let first = indices.first.map({ weights[$0] }) else {
            throw SupermaskError("no weight of '\(name)' is known")
        }
        self.layer = layer
        if Self.isSignedConstant(weights, known: known) {
            // The signs are bit 23 of outputs offset ..< offset + n, every sign a bit; all alike is what
            // unsigned_constant (no draws at all) produces, and would match a seed only by chance.
            guard indices.contains(where: { weights[$0].sign != first.sign }) else {
                throw SupermaskError("every known weight of '\(name)' is \(first): a constant init, whose weights carry nothing of the seed")
            }
            guard indices.count >= Self.minimumBits else {
                throw SupermaskError("'\(name)' has only \(indices.count) known weights, fewer than the \(Self.minimumBits) signs a seed needs")
            }
            kind = .signs
            var signs = Self.signBits(weights, indices: indices, layer: layer)
            // The next layers' signs too, while they look signed-constant: more bits to combine (§3.4 of
            // docs/seed-recovery.md); they hold only if the layers were built in hidden-networks' order, and the
            // combination checks itself.
            for next in following where signs.count < Self.bitLimit {
                let indices = next.weights.indices.filter { next.known?[$0] ?? true }
                guard Self.isSignedConstant(next.weights, known: next.known) else { break }
                signs += Self.signBits(next.weights, indices: indices, layer: next.layer)
            }
            bits = Array(signs.prefix(Self.bitLimit))
            pairs = []
            radiusDeviation = nil
        } else {
            kind = .normal
            pairs = BoxMullerInversion.pairs(of: weights, known: known, streamOffset: layer.initOffset)
            var angleBits: [KnownOutputBit] = []
            for pair in pairs where angleBits.count < Self.bitLimit { angleBits += BoxMullerInversion.angleBits(of: [pair]) }
            bits = angleBits
            guard bits.count >= Self.minimumBits else {
                throw SupermaskError("the weights of '\(name)' reveal only \(bits.count) bits of torch's stream (a seed needs \(Self.minimumBits)): they are not Box–Muller pairs of torch's normal_")
            }
            let pairs = self.pairs
            radiusDeviation = deviations.map { Float($0) }.first { BoxMullerInversion.radiiFit(pairs, deviation: $0) }
        }
    }

    /// Bit 23 of the output behind each of `indices` of a signed-constant layer: 1 for a weight ≥ 0.
    private static func signBits(_ weights: [Float], indices: [Int], layer: TorchDrawPlan.Layer) -> [KnownOutputBit] {
        indices.prefix(bitLimit).map { index in
            KnownOutputBit(outputIndex: layer.offset + index, bit: 23, value: weights[index].sign == .plus ? 1 : 0)
        }
    }

    /// Whether the known weights all have one magnitude: the signs of a signed constant.
    public static func isSignedConstant(_ weights: [Float], known: BitMask?) -> Bool {
        guard let first = weights.indices.first(where: { known?[$0] ?? true }) else { return false }
        let magnitude = weights[first].magnitude
        return weights.indices.allSatisfy { !(known?[$0] ?? true) || weights[$0].magnitude == magnitude }
    }

    /// How many bits `bits` keeps: more than the elimination combines; the full regeneration checks every weight.
    public static let bitLimit = 24_576

    /// Fewer bits would let false seeds through: 2³² candidates against 48 bits leave 2⁻¹⁶ expected false matches.
    public static let minimumBits = 48
}
