import Foundation

/// Reads back the raw outputs behind torch's `normal_` from its results.
///
/// `normal_fill` turns each block of 16 uniforms into 8 pairs: from u1 = 1 − k₁·2⁻²⁴ (value j) and u2 = k₂·2⁻²⁴
/// (value j + 8) it writes r·cos θ at j and r·sin θ at j + 8, with θ = 2π·u2 and r = √(−2 ln u1), both scaled by
/// σ. So atan2(w[j+8], w[j]) / 2π · 2²⁴ ≈ k₂, whatever σ is and whichever profile drew them: the float32
/// roundings of θ, of sin/cos and of the products move the estimate by less than 2 units (docs/seed-recovery.md),
/// and every bit of k₂ that is the same throughout estimate ± `margin` is known.
enum BoxMullerInversion {
    /// The uncertainty of an angle estimate, in units of 2⁻²⁴ turns: twice the error bound.
    static let margin = 4.0

    /// The known bits of the k₂ outputs behind `weights`, the result of one `normal_` that starts at stream
    /// offset `streamOffset`, from the most significant down, pair by pair, until there are at least `limit`.
    static func angleBits(of weights: [Float], streamOffset: Int, limit: Int) -> [KnownOutputBit] {
        let count = weights.count
        // With n % 16 ≠ 0 torch redraws the last 16 values after the blocks, overwriting part of the last block.
        let usable = count % 16 == 0 ? count : count - 16
        var bits: [KnownOutputBit] = []
        for block in stride(from: 0, to: usable - 15, by: 16) where bits.count < limit {
            for j in 0..<8 {
                let cosine = Double(weights[block + j]), sine = Double(weights[block + j + 8])
                // k₁ = 0 gives r = −0: both values are zero and the angle is lost.
                guard cosine != 0 || sine != 0 else { continue }
                var turns = atan2(sine, cosine) / (2 * Double.pi)
                if turns < 0 { turns += 1 }
                let estimate = turns * 16_777_216
                let low = Int((estimate - margin).rounded(.down)), high = Int((estimate + margin).rounded(.down))
                guard low >= 0, high < 1 << 24 else { continue }
                for bit in stride(from: 23, through: 0, by: -1) where low >> bit == high >> bit {
                    bits.append(KnownOutputBit(outputIndex: streamOffset + block + j + 8, bit: bit, value: UInt32(low >> bit & 1)))
                }
            }
        }
        return bits
    }
}
