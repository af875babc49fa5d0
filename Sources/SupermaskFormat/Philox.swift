/// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random numbers:
/// as easy as 1, 2, 3" (SC 2011), with the constants and key schedule of their Random123 library.
///
/// It maps a 128-bit counter and a 64-bit key to 128 random bits with no state, so any weight of any
/// layer can be generated independently and another implementation reproduces it exactly (docs/generator.md).
public enum Philox4x32 {
    static let multiplier0: UInt32 = 0xD251_1F53
    static let multiplier1: UInt32 = 0xCD9E_8D57
    static let weyl0: UInt32 = 0x9E37_79B9
    static let weyl1: UInt32 = 0xBB67_AE85

    /// The four output words for `counter` under `key`, after 10 rounds.
    public static func block(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for round in 0..<10 {
            // Random123 bumps the key before every round but the first.
            if round > 0 {
                k0 &+= weyl0
                k1 &+= weyl1
            }
            let product0 = UInt64(multiplier0) * UInt64(c0)
            let product1 = UInt64(multiplier1) * UInt64(c2)
            let (high0, low0) = (UInt32(truncatingIfNeeded: product0 >> 32), UInt32(truncatingIfNeeded: product0))
            let (high1, low1) = (UInt32(truncatingIfNeeded: product1 >> 32), UInt32(truncatingIfNeeded: product1))
            (c0, c1, c2, c3) = (high1 ^ c1 ^ k0, low1, high0 ^ c3 ^ k1, low0)
        }
        return (c0, c1, c2, c3)
    }
}
