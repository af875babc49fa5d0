extension BitMask {
    /// The edge-popup mask of one layer: keep the weights with the largest |score|, exactly as
    /// hidden-networks' `GetSubnet` does.
    ///
    /// The original sorts |scores| ascending with a stable sort and zeroes the first `j = int((1 - k) * n)`,
    /// so among equal |score| the lower flat index is zeroed first. This finds the same set in linear time:
    /// a two-level radix select on the bit patterns of |score| (for non-negative floats the bit pattern
    /// orders like the value) finds the largest zeroed magnitude `t`; everything below `t` is zeroed,
    /// everything above kept, and of the elements equal to `t` the first ones by index are zeroed until `j`
    /// are.
    ///
    /// - Parameters:
    ///   - scores: the layer's scores in flat order; all finite (the importer rejects NaN and infinity).
    ///   - keep: the fraction kept.
    /// - Returns: the mask and the number of elements whose |score| equals the threshold on both sides of it
    ///   (0 when the threshold is unambiguous), which tells whether another tie rule would pick another set.
    public static func keepingLargestMagnitudes(
        of scores: [Float], keep: KeepFraction
    ) -> (mask: BitMask, tiesAtThreshold: Int) {
        let count = scores.count
        let zeroed = keep.zeroedCount(of: count)
        var mask = BitMask(count: count)
        guard zeroed > 0 else {
            for index in 0..<count { mask.insert(index) }
            return (mask, 0)
        }
        let keys = scores.map { $0.bitPattern & 0x7FFF_FFFF }
        let threshold = rankedKey(keys, rank: zeroed - 1)
        let below = keys.reduce(0) { $0 + ($1 < threshold ? 1 : 0) }
        var tiedToZero = zeroed - below
        var tied = 0
        for (index, key) in keys.enumerated() {
            if key > threshold {
                mask.insert(index)
            } else if key == threshold {
                tied += 1
                if tiedToZero > 0 { tiedToZero -= 1 } else { mask.insert(index) }
            }
        }
        let straddles = tied > zeroed - below
        return (mask, straddles ? tied : 0)
    }

    /// The key at position `rank` (0-based) of `keys` sorted ascending, by a histogram over the high 16
    /// bits and then over the low 15 bits within the chosen bucket.
    private static func rankedKey(_ keys: [UInt32], rank: Int) -> UInt32 {
        var high = [Int](repeating: 0, count: 1 << 16)
        for key in keys { high[Int(key >> 15)] += 1 }
        var remaining = rank
        var bucket = 0
        while remaining >= high[bucket] {
            remaining -= high[bucket]
            bucket += 1
        }
        var low = [Int](repeating: 0, count: 1 << 15)
        for key in keys where Int(key >> 15) == bucket { low[Int(key & 0x7FFF)] += 1 }
        var offset = 0
        while remaining >= low[offset] {
            remaining -= low[offset]
            offset += 1
        }
        return UInt32(bucket << 15 | offset)
    }
}
