import SupermaskCore

/// Codes a mask of `n` bits with exactly `k` set in close to log2 C(n, k) bits: a binary range coder whose
/// probability of a 1 is (kept bits not yet coded)/(bits not yet coded), i.e. enumerative coding.
///
/// The range coder is LZMA's (32-bit range, 33-bit low with a cache byte for carries; Igor Pavlov,
/// LZMA SDK), with the split computed exactly in 64-bit integers instead of from an adaptive estimate.
/// Bits whose value is forced (none or all of the rest are kept) cost nothing. Specified in docs/format.md §5.
enum EnumerativeMaskCoder {
    static let topValue: UInt32 = 1 << 24

    /// The size of the range given to a 1 when `kept` of the `remaining` bits are 1 (0 < kept < remaining).
    @inline(__always)
    static func split(range: UInt32, kept: Int, remaining: Int) -> UInt32 {
        let exact = UInt32((UInt64(range) * UInt64(kept)) / UInt64(remaining))
        return min(max(exact, 1), range - 1)
    }

    /// The coded bytes of `mask`.
    static func encode(_ mask: BitMask) -> [UInt8] {
        var encoder = Encoder()
        var kept = mask.keptCount
        var remaining = mask.count
        for index in 0..<mask.count {
            if kept == 0 || kept == remaining { break }
            let bit = mask[index]
            encoder.encode(bit: bit, split: split(range: encoder.range, kept: kept, remaining: remaining))
            if bit { kept -= 1 }
            remaining -= 1
        }
        return encoder.finish()
    }

    /// The mask of `count` bits with `keptCount` set that `bytes` codes. Missing trailing bytes read as
    /// zero, so any input decodes to some mask with exactly `keptCount` bits; the section CRC catches corruption.
    static func decode(_ bytes: ArraySlice<UInt8>, count: Int, keptCount: Int) -> BitMask {
        var mask = BitMask(count: count)
        var decoder = Decoder(bytes)
        var kept = keptCount
        var remaining = count
        for index in 0..<count {
            if kept == 0 { break }
            if kept == remaining {
                for rest in index..<count { mask.insert(rest) }
                break
            }
            if decoder.decode(split: split(range: decoder.range, kept: kept, remaining: remaining)) {
                mask.insert(index)
                kept -= 1
            }
            remaining -= 1
        }
        return mask
    }

    struct Encoder {
        private(set) var range: UInt32 = 0xFFFF_FFFF
        private var low: UInt64 = 0
        private var cache: UInt8 = 0
        private var cacheSize = 1
        private var output: [UInt8] = []

        /// A 1 takes the lower `split` of the range, a 0 the rest.
        mutating func encode(bit: Bool, split: UInt32) {
            if bit {
                range = split
            } else {
                low += UInt64(split)
                range -= split
            }
            while range < EnumerativeMaskCoder.topValue {
                range <<= 8
                shiftLow()
            }
        }

        private mutating func shiftLow() {
            if low < 0xFF00_0000 || low >= 1 << 32 {
                let carry = UInt8(truncatingIfNeeded: low >> 32)
                var pending = cache
                repeat {
                    output.append(pending &+ carry)
                    pending = 0xFF
                    cacheSize -= 1
                } while cacheSize != 0
                cache = UInt8(truncatingIfNeeded: low >> 24)
            }
            cacheSize += 1
            low = (low & 0x00FF_FFFF) << 8
        }

        /// Flushes the coder; the first byte LZMA's scheme emits is always 0 and is dropped.
        mutating func finish() -> [UInt8] {
            for _ in 0..<5 { shiftLow() }
            var result = Array(output.dropFirst())
            // Trailing zero bytes are implied: the decoder reads missing bytes as 0.
            while result.last == 0 { result.removeLast() }
            return result
        }
    }

    struct Decoder {
        private(set) var range: UInt32 = 0xFFFF_FFFF
        private var code: UInt32 = 0
        private let bytes: ArraySlice<UInt8>
        private var position: Int

        init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.position = bytes.startIndex
            for _ in 0..<4 { code = code << 8 | UInt32(nextByte()) }
        }

        private mutating func nextByte() -> UInt8 {
            guard position < bytes.endIndex else { return 0 }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func decode(split: UInt32) -> Bool {
            let bit: Bool
            if code < split {
                range = split
                bit = true
            } else {
                code &-= split
                range -= split
                bit = false
            }
            while range < EnumerativeMaskCoder.topValue {
                range <<= 8
                code = code << 8 | UInt32(nextByte())
            }
            return bit
        }
    }
}
