/// A bit-packed binary mask over a layer's weights, in PyTorch's flat order (out, in, kh, kw).
///
/// Bit `i` lives in word `i / 64` at position `i % 64`. Bits past `count` in the last word are always zero,
/// so the popcount of the words is the number of kept weights.
public struct BitMask: Sendable, Equatable {
    /// The number of weights the mask covers.
    public let count: Int
    /// The packed bits, `(count + 63) / 64` words.
    public private(set) var words: [UInt64]
    /// The number of set bits (weights kept).
    public private(set) var keptCount: Int

    /// A mask of `count` bits, all clear.
    public init(count: Int) {
        self.count = count
        self.words = [UInt64](repeating: 0, count: (count + 63) / 64)
        self.keptCount = 0
    }

    /// Whether weight `index` is kept.
    public subscript(index: Int) -> Bool {
        words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    /// Sets bit `index` (keeps weight `index`).
    public mutating func insert(_ index: Int) {
        let bit: UInt64 = 1 << UInt64(index & 63)
        if words[index >> 6] & bit == 0 {
            words[index >> 6] |= bit
            keptCount += 1
        }
    }

    /// The fraction of weights kept.
    public var density: Double { count == 0 ? 0 : Double(keptCount) / Double(count) }

    /// `weights` with every weight the mask drops set to zero.
    public func applied(to weights: [Float]) -> [Float] {
        precondition(weights.count == count, "BitMask.applied: \(weights.count) weights for \(count) bits")
        var result = [Float](repeating: 0, count: count)
        for index in 0..<count where self[index] { result[index] = weights[index] }
        return result
    }
}
