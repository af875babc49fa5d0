import SupermaskCore

/// Codes a mask of `n` bits with exactly `k` set, bit by bit in flat order, each bit with the adaptive probability
/// of its context: a binary range coder (LZMA's, the one `EnumerativeMaskCoder` uses) driven by per-context counts.
///
/// The model is Krichevsky–Trofimov's: after n₀ zeros and n₁ ones in a context, P(1) = (2n₁ + 1) / (2(n₀ + n₁) + 2),
/// applied as an exact integer split of the range, so every decoder computes the same bits on every platform.
/// As in the enumerative coder, the bits after the kept count is exhausted (or equals the bits left) are forced
/// and cost nothing. Specified in docs/format.md §5.2.
enum AdaptiveMaskCoder {
    /// The most contexts a coded mask may use (so a decoder's tables never depend on the file).
    static let maximumContextCount = 1 << 12

    /// One context's counts so far.
    struct Counts {
        var zeros: UInt32 = 0
        var ones: UInt32 = 0

        /// The size of the range given to a 1: ⌊range · (2n₁ + 1) / (2(n₀ + n₁) + 2)⌋, clamped to 1 … range − 1.
        /// Both counts stay below 2³⁰ (a layer has at most 2³⁰ weights), so the product fits in 64 bits.
        @inline(__always)
        func split(range: UInt32) -> UInt32 {
            let numerator = 2 * UInt64(ones) + 1
            let denominator = 2 * (UInt64(zeros) + UInt64(ones)) + 2
            let exact = UInt32(truncatingIfNeeded: UInt64(range) * numerator / denominator)
            return min(max(exact, 1), range - 1)
        }

        @inline(__always)
        mutating func record(_ bit: Bool) {
            if bit { ones += 1 } else { zeros += 1 }
        }
    }

    /// The coded bytes of `mask`, whose bit i is coded in context `contexts[i]` (each < `contextCount`).
    static func encode(_ mask: BitMask, contexts: [UInt16], contextCount: Int) -> [UInt8] {
        var counts = [Counts](repeating: Counts(), count: contextCount)
        var encoder = EnumerativeMaskCoder.Encoder()
        var kept = mask.keptCount
        var remaining = mask.count
        for index in 0..<mask.count {
            if kept == 0 || kept == remaining { break }
            let context = Int(contexts[index])
            let bit = mask[index]
            encoder.encode(bit: bit, split: counts[context].split(range: encoder.range))
            counts[context].record(bit)
            if bit { kept -= 1 }
            remaining -= 1
        }
        return encoder.finish()
    }

    /// The mask of `count` bits with `keptCount` set that `bytes` codes under `contexts`. Missing trailing bytes read
    /// as zero, so any input decodes to some mask with exactly `keptCount` bits in at most `count` steps; the
    /// section CRC catches damage.
    static func decode(
        _ bytes: ArraySlice<UInt8>, count: Int, keptCount: Int, contexts: [UInt16], contextCount: Int
    ) -> BitMask {
        var counts = [Counts](repeating: Counts(), count: contextCount)
        var mask = BitMask(count: count)
        var decoder = EnumerativeMaskCoder.Decoder(bytes)
        var kept = keptCount
        var remaining = count
        for index in 0..<count {
            if kept == 0 { break }
            if kept == remaining {
                for rest in index..<count { mask.insert(rest) }
                break
            }
            let context = Int(contexts[index])
            let bit = decoder.decode(split: counts[context].split(range: decoder.range))
            counts[context].record(bit)
            if bit {
                mask.insert(index)
                kept -= 1
            }
            remaining -= 1
        }
        return mask
    }
}
