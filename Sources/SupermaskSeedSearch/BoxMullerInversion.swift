import Foundation
import SupermaskCore

/// Reads back the raw outputs behind torch's `normal_` from its results.
///
/// `normal_fill` turns each block of 16 uniforms into 8 pairs: from u1 = 1 − k₁·2⁻²⁴ (value j) and u2 = k₂·2⁻²⁴
/// (value j + 8) it writes r·cos θ at j and r·sin θ at j + 8, with θ = 2π·u2 and r = √(−2 ln u1), both scaled by
/// σ. So atan2(w[j+8], w[j]) / 2π · 2²⁴ ≈ k₂ whatever σ is, and −expm1(−(w[j]² + w[j+8]²) / 2σ²) · 2²⁴ ≈ k₁ when σ
/// is known. The float32 roundings of θ, of log, sin and cos and of the products move either estimate by less than
/// 2 units in every profile (docs/seed-recovery.md), and every bit of k that is the same throughout estimate ±
/// `margin` is known.
enum BoxMullerInversion {
    /// The uncertainty of an estimate, in units of 2⁻²⁴: twice the error bound.
    static let margin = 4.0

    /// One Box–Muller pair of a tensor: its values and the stream offsets of the outputs behind them.
    struct Pair {
        var cosine: Double
        var sine: Double
        /// The output that gave u1 (the radius).
        var radiusOutput: Int
        /// The output that gave u2 (the angle).
        var angleOutput: Int
    }

    /// The pairs of `weights`, the result of one `normal_` that starts at stream offset `streamOffset`, in order,
    /// skipping pairs whose radius is zero (k₁ = 0 gives r = −0 and loses the angle) and, with `known`, pairs with
    /// a value it does not mark.
    static func pairs(of weights: [Float], known: BitMask? = nil, streamOffset: Int) -> [Pair] {
        let count = weights.count
        // With n % 16 ≠ 0 torch redraws the last 16 values after the blocks, overwriting part of the last block.
        let usable = count % 16 == 0 ? count : count - 16
        var pairs: [Pair] = []
        for block in stride(from: 0, to: usable - 15, by: 16) {
            for j in 0..<8 {
                guard known.map({ $0[block + j] && $0[block + j + 8] }) ?? true else { continue }
                let cosine = Double(weights[block + j]), sine = Double(weights[block + j + 8])
                guard cosine != 0 || sine != 0 else { continue }
                pairs.append(Pair(
                    cosine: cosine, sine: sine, radiusOutput: streamOffset + block + j, angleOutput: streamOffset + block + j + 8))
            }
        }
        return pairs
    }

    /// The known bits of each pair's k₂: atan2 over 2π.
    static func angleBits(of pairs: some Sequence<Pair>) -> [KnownOutputBit] {
        pairs.flatMap { pair in
            var turns = atan2(pair.sine, pair.cosine) / (2 * Double.pi)
            if turns < 0 { turns += 1 }
            return knownBits(estimate: turns * 16_777_216, output: pair.angleOutput)
        }
    }

    /// The known bits of each pair's k₁, for values drawn with standard deviation `deviation` (as float32).
    static func radiusBits(of pairs: some Sequence<Pair>, deviation: Float) -> [KnownOutputBit] {
        pairs.flatMap { pair in knownBits(estimate: radiusEstimate(pair, deviation: deviation), output: pair.radiusOutput) }
    }

    /// Whether the pairs look drawn with `deviation`: then the k₁ estimates are uniform on [0, 2²⁴), and their mean
    /// is ½ within 6 standard errors. A σ off by a factor 1 + ε moves the mean by about ε/2 (a scale_fan σ, a
    /// Xavier one); the bits a wrong σ gives would only waste a search.
    static func radiiFit(_ pairs: [Pair], deviation: Float) -> Bool {
        guard !pairs.isEmpty else { return false }
        let mean = pairs.reduce(0.0) { $0 + radiusEstimate($1, deviation: deviation) / 16_777_216 } / Double(pairs.count)
        return abs(mean - 0.5) <= 6 * (1 / (12 * Double(pairs.count))).squareRoot()
    }

    private static func radiusEstimate(_ pair: Pair, deviation: Float) -> Double {
        let sigma = Double(deviation)
        let squared = (pair.cosine * pair.cosine + pair.sine * pair.sine) / (sigma * sigma)
        return -expm1(-squared / 2) * 16_777_216
    }

    /// The bits shared by every integer in estimate ± margin, from bit 23 down, as bits of `output`.
    private static func knownBits(estimate: Double, output: Int) -> [KnownOutputBit] {
        let low = Int((estimate - margin).rounded(.down)), high = Int((estimate + margin).rounded(.down))
        guard low >= 0, high < 1 << 24 else { return [] }
        var bits: [KnownOutputBit] = []
        for bit in stride(from: 23, through: 0, by: -1) {
            guard low >> bit == high >> bit else { break }
            bits.append(KnownOutputBit(outputIndex: output, bit: bit, value: UInt32(low >> bit & 1)))
        }
        return bits
    }
}
