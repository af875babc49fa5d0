import SupermaskCore

/// What gives each bit of a mask its context: a function of the side information and of the bits coded before it,
/// computed the same way by the encoder and the decoder.
protocol MaskContextModel {
    /// Contexts are 0 ..< `contextCount`.
    var contextCount: Int { get }
    /// The context of bit `index`; called for index 0, 1, … in order, each once.
    mutating func context(at index: Int) -> Int
    /// Bit `index` was `bit`; called after `context(at: index)`.
    mutating func record(_ bit: Bool, at index: Int)
}

/// Contexts fixed in advance, one per bit.
struct FixedContexts: MaskContextModel {
    let contexts: [UInt16]
    let contextCount: Int

    func context(at index: Int) -> Int { Int(contexts[index]) }
    func record(_ bit: Bool, at index: Int) {}
}

/// Codes a mask of `n` bits with exactly `k` set, bit by bit in flat order, each bit with the adaptive probability
/// of its context: a binary range coder (LZMA's, the one `EnumerativeMaskCoder` uses) driven by per-context counts.
///
/// The model is Krichevsky–Trofimov's: after n₀ zeros and n₁ ones in a context, P(1) = (2n₁ + 1) / (2(n₀ + n₁) + 2),
/// applied as an exact integer split of the range, so every decoder computes the same bits on every platform.
/// As in the enumerative coder, the bits after the kept count is exhausted (or equals the bits left) are forced
/// and cost nothing. Specified in docs/format.md §5.2.
enum AdaptiveMaskCoder {
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

    /// The coded bytes of `mask` with each bit in the context `model` gives it.
    static func encode<Model: MaskContextModel>(_ mask: BitMask, model: Model) -> [UInt8] {
        var model = model
        var counts = [Counts](repeating: Counts(), count: model.contextCount)
        var encoder = EnumerativeMaskCoder.Encoder()
        var kept = mask.keptCount
        var remaining = mask.count
        for index in 0..<mask.count {
            if kept == 0 || kept == remaining { break }
            let context = model.context(at: index)
            let bit = mask[index]
            encoder.encode(bit: bit, split: counts[context].split(range: encoder.range))
            counts[context].record(bit)
            model.record(bit, at: index)
            if bit { kept -= 1 }
            remaining -= 1
        }
        return encoder.finish()
    }

    /// The mask of `count` bits with `keptCount` set that `bytes` codes under `model`. Missing trailing bytes read
    /// as zero, so any input decodes to some mask with exactly `keptCount` bits in at most `count` steps; the
    /// section CRC catches damage.
    static func decode<Model: MaskContextModel>(_ bytes: ArraySlice<UInt8>, count: Int, keptCount: Int, model: Model) -> BitMask {
        var model = model
        var counts = [Counts](repeating: Counts(), count: model.contextCount)
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
            let context = model.context(at: index)
            let bit = decoder.decode(split: counts[context].split(range: decoder.range))
            counts[context].record(bit)
            model.record(bit, at: index)
            if bit {
                mask.insert(index)
                kept -= 1
            }
            remaining -= 1
        }
        return mask
    }
}
