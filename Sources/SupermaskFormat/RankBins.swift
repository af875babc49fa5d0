/// Layer-relative quantiles of magnitudes, in integers only: the contexts of the initial-scores mask coder
/// (docs/format.md §5.2).
///
/// Position i's rank is its place when the layer's positions are sorted by (|value| as a bit pattern, i) ascending —
/// for non-negative floats the bit patterns order like the values, and equal magnitudes are ordered by position — and
/// its bin among B = 2^b is ⌊rank · B / n⌋. No float is compared or rounded, so every reader finds the same bins.
enum RankBins {
    /// The bin of each of `values` among 2^`log2Count` equally populated bins (0 bits: every position in bin 0).
    static func bins(of values: [Float], log2Count: Int) -> [UInt16] {
        let count = values.count
        guard log2Count > 0, count > 0 else { return [UInt16](repeating: 0, count: count) }
        // |value|'s bits above the position: one sort of distinct 64-bit keys gives the ranks, ties broken by position.
        var keys = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialised in
            for (index, value) in values.enumerated() {
                buffer[index] = UInt64(value.bitPattern & 0x7FFF_FFFF) << 32 | UInt64(index)
            }
            initialised = count
        }
        keys.sort()
        var bins = [UInt16](repeating: 0, count: count)
        let binCount = UInt64(1) << UInt64(log2Count)
        for (rank, key) in keys.enumerated() {
            bins[Int(truncatingIfNeeded: key & 0xFFFF_FFFF)] = UInt16(truncatingIfNeeded: UInt64(rank) * binCount / UInt64(count))
        }
        return bins
    }
}
