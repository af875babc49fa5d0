/// Layer-relative ranks and quantiles of magnitudes, in integers only: what the initial-scores mask coder conditions
/// on (docs/format.md §5.2).
///
/// Position i's rank is its place when the layer's positions are sorted by (|value| as a bit pattern, i) ascending —
/// for non-negative floats the bit patterns order like the values, and equal magnitudes are ordered by position — and
/// its bin among B = 2^b is ⌊rank · B / n⌋. No float is compared or rounded, so every reader finds the same bins.
enum RankBins {
    /// The positions of `values` in rank order and the rank of each position.
    struct Ranking {
        /// `order[r]` is the position of rank r.
        let order: [UInt32]
        /// `ranks[i]` is the rank of position i.
        let ranks: [UInt32]

        /// The bin ⌊rank · 2^b / n⌋ of every position, by walking the ranks in order: one division per bin, not per
        /// position.
        func bins(log2Count: Int) -> [UInt16] {
            let count = order.count
            var bins = [UInt16](repeating: 0, count: count)
            guard log2Count > 0, count > 0 else { return bins }
            let binCount = 1 << log2Count
            var rank = 0
            for bin in 0..<binCount {
                // The first rank of the next bin: ⌈(bin + 1) · n / B⌉.
                let end = ((bin + 1) * count + binCount - 1) >> log2Count
                while rank < end {
                    bins[Int(order[rank])] = UInt16(truncatingIfNeeded: bin)
                    rank += 1
                }
            }
            return bins
        }
    }

    /// The ranking of `values` (at most 2³⁰ of them: a layer's weights).
    ///
    /// An LSD radix sort of (|value| bits, position) pairs on the 31 magnitude bits, 11 bits a pass: each pass is
    /// stable, so equal magnitudes stay in position order, and a layer of millions of weights sorts in three linear
    /// passes (a ResNet-50 load ranks 25 M scores).
    static func ranking(of values: [Float]) -> Ranking {
        let count = values.count
        var pairs = [UInt64](unsafeUninitializedCapacity: count) { buffer, initialised in
            for (index, value) in values.enumerated() {
                buffer[index] = UInt64(value.bitPattern & 0x7FFF_FFFF) << 32 | UInt64(index)
            }
            initialised = count
        }
        var scratch = [UInt64](repeating: 0, count: count)
        let digitBits: UInt64 = 11
        var histogram = [Int](repeating: 0, count: 1 << digitBits)
        for shift in stride(from: UInt64(32), to: 63, by: Int(digitBits)) {
            let mask: UInt64 = (1 << digitBits) - 1
            for index in histogram.indices { histogram[index] = 0 }
            for pair in pairs { histogram[Int((pair >> shift) & mask)] += 1 }
            var start = 0
            for digit in histogram.indices {
                let size = histogram[digit]
                histogram[digit] = start
                start += size
            }
            for pair in pairs {
                let digit = Int((pair >> shift) & mask)
                scratch[histogram[digit]] = pair
                histogram[digit] += 1
            }
            swap(&pairs, &scratch)
        }
        var ranks = [UInt32](repeating: 0, count: count)
        let order = pairs.map { UInt32(truncatingIfNeeded: $0) }
        for (rank, position) in order.enumerated() { ranks[Int(position)] = UInt32(rank) }
        return Ranking(order: order, ranks: ranks)
    }

    /// The bin of each of `values` among 2^`log2Count` equally populated bins (0 bits: every position in bin 0).
    static func bins(of values: [Float], log2Count: Int) -> [UInt16] {
        guard log2Count > 0 else { return [UInt16](repeating: 0, count: values.count) }
        return ranking(of: values).bins(log2Count: log2Count)
    }
}
