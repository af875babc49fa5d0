import SupermaskCore

/// The seeded weight generator of supermask (docs/generator.md): Philox4x32-10 keyed by the seed, with
/// the layer index in the counter, and an exact transform to the initial distribution.
///
/// Any implementation that follows the spec regenerates the same float32 bits; python/src/supermask/generator.py
/// is one, tested against this one on committed files.
public struct WeightGenerator: Sendable, Equatable {
    /// The name recorded in checkpoints and containers; a new transform or layout gets a new version.
    public static let identifier = "philox4x32-10/v1"

    /// The distribution the weights follow.
    public enum Initialisation: String, Sendable, CaseIterable {
        /// N(0, 2/fan_in), by Box–Muller (the `ukn` models' init).
        case kaimingNormal = "kaiming-normal"
        /// ±√(2/fan_in) with a random sign (the `usc` models' init).
        case signedConstant = "signed-constant"
    }

    /// The 64-bit seed; its low and high halves are the Philox key.
    public var seed: UInt64
    /// The distribution.
    public var initialisation: Initialisation

    public init(seed: UInt64, initialisation: Initialisation) {
        self.seed = seed
        self.initialisation = initialisation
    }

    /// The weights of the convolution at `layerIndex` (its position among the architecture's convolutions)
    /// with `count` weights and the given fan-in, in flat order (out, in, kh, kw).
    public func weights(layerIndex: Int, count: Int, fanIn: Int) -> [Float] {
        switch initialisation {
        case .kaimingNormal: return kaimingNormal(layerIndex: layerIndex, count: count, fanIn: fanIn)
        case .signedConstant: return signedConstant(layerIndex: layerIndex, count: count, fanIn: fanIn)
        }
    }

    /// The magnitude of a signed-constant layer and the standard deviation of a Kaiming-normal one: √(2/fan_in).
    public static func scale(fanIn: Int) -> Double { (2.0 / Double(fanIn)).squareRoot() }

    private var key: (UInt32, UInt32) { (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)) }

    private func words(block: Int, layerIndex: Int, stream: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        let counter = (
            UInt32(truncatingIfNeeded: block), UInt32(truncatingIfNeeded: UInt64(block) >> 32),
            UInt32(truncatingIfNeeded: layerIndex), stream
        )
        return Philox4x32.block(counter: counter, key: key)
    }

    /// Stream 0: one block per two weights; each weight takes two words for Box–Muller's cosine branch.
    private func kaimingNormal(layerIndex: Int, count: Int, fanIn: Int) -> [Float] {
        let deviation = Self.scale(fanIn: fanIn)
        var result = [Float](repeating: 0, count: count)
        for block in 0..<(count + 1) / 2 {
            let (x0, x1, x2, x3) = words(block: block, layerIndex: layerIndex, stream: 0)
            result[2 * block] = Self.normal(x0, x1, deviation: deviation)
            if 2 * block + 1 < count { result[2 * block + 1] = Self.normal(x2, x3, deviation: deviation) }
        }
        return result
    }

    /// Box–Muller's cosine branch from two words, scaled, rounded once to float32 (docs/generator.md §2).
    @inline(__always)
    private static func normal(_ first: UInt32, _ second: UInt32, deviation: Double) -> Float {
        let step = 1.0 / 16_777_216.0
        // u1 in (0, 1] keeps the logarithm finite; u2 in [0, 1).
        let u1 = (Double(first >> 8) + 1.0) * step
        let u2 = Double(second >> 8) * step
        let radius = (-2.0 * GeneratorMath.logarithm(u1)).squareRoot()
        return Float(radius * GeneratorMath.cosineOfTurns(u2) * deviation)
    }

    /// Stream 1: one block per four weights; a weight is negative when the top bit of its word is set.
    private func signedConstant(layerIndex: Int, count: Int, fanIn: Int) -> [Float] {
        let magnitude = Float(Self.scale(fanIn: fanIn))
        var result = [Float](repeating: magnitude, count: count)
        for block in 0..<(count + 3) / 4 {
            let (x0, x1, x2, x3) = words(block: block, layerIndex: layerIndex, stream: 1)
            let base = 4 * block
            if x0 >> 31 != 0 { result[base] = -magnitude }
            if base + 1 < count, x1 >> 31 != 0 { result[base + 1] = -magnitude }
            if base + 2 < count, x2 >> 31 != 0 { result[base + 2] = -magnitude }
            if base + 3 < count, x3 >> 31 != 0 { result[base + 3] = -magnitude }
        }
        return result
    }
}

extension WeightGenerator {
    /// Every convolution's weights for `architecture`, by name.
    public func weights(for architecture: Architecture) -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for (index, convolution) in architecture.convolutions.enumerated() {
            result[convolution.name] = weights(layerIndex: index, count: convolution.weightCount, fanIn: convolution.fanIn)
        }
        return result
    }
}
