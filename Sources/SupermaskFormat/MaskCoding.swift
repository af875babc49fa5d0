import SupermaskCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a layer's mask is stored: per layer the smallest of those the container allows.
public enum MaskCoder: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// The packed bits, LSB first, ⌈n/8⌉ bytes.
    case raw = 0
    /// The packed bits compressed by Deflate (zlib wrapper).
    case deflate = 1
    /// The enumerative range coder, close to log2 C(n, k) bits.
    case enumerative = 2
    /// The adaptive range coder conditioned on the layer's initial scores (torch-seed layers only): below log2 C(n, k)
    /// when training kept the weights whose initial |score| was large.
    case initialScores = 3

    public var description: String {
        switch self {
        case .raw: return "raw"
        case .deflate: return "deflate"
        case .enumerative: return "enumerative"
        case .initialScores: return "initial-scores"
        }
    }
}

/// A coded mask: which coder, and its bytes.
struct CodedMask {
    var coder: MaskCoder
    var bytes: [UInt8]

    /// The packed bits of `mask`: bit i in byte i/8 at position i%8.
    static func packedBytes(_ mask: BitMask) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (mask.count + 7) / 8)
        for (wordIndex, word) in mask.words.enumerated() {
            for byte in 0..<8 where wordIndex * 8 + byte < bytes.count {
                bytes[wordIndex * 8 + byte] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(byte)))
            }
        }
        return bytes
    }

    /// The smallest coding of `mask` (ties go to the simpler coder); with `side`, the initial-scores coder competes.
    static func smallest(_ mask: BitMask, side: MaskSideInformation? = nil) -> CodedMask {
        let raw = packedBytes(mask)
        var best = CodedMask(coder: .raw, bytes: raw)
        let deflated = Zlib.deflate(raw)
        if deflated.count < best.bytes.count { best = CodedMask(coder: .deflate, bytes: deflated) }
        let enumerated = EnumerativeMaskCoder.encode(mask)
        if enumerated.count < best.bytes.count { best = CodedMask(coder: .enumerative, bytes: enumerated) }
        if let side {
            let conditioned = InitialScoresMaskCoder.encodeSmallest(mask, side: side)
            if conditioned.count < best.bytes.count { best = CodedMask(coder: .initialScores, bytes: conditioned) }
        }
        return best
    }

    /// Decodes a mask of `count` bits that must have exactly `keptCount` set (the initial-scores coder needs the
    /// layer's `side` information, which only a container's torch record gives).
    static func decode(
        coder: MaskCoder, bytes: ArraySlice<UInt8>, count: Int, keptCount: Int, side: MaskSideInformation? = nil
    ) throws -> BitMask {
        let packed: [UInt8]
        switch coder {
        case .initialScores:
            guard let side else { throw SupermaskError("the initial-scores coder needs the layer's regenerated initial scores") }
            return try InitialScoresMaskCoder.decode(bytes, count: count, keptCount: keptCount, side: side)
        case .enumerative:
            return EnumerativeMaskCoder.decode(bytes, count: count, keptCount: keptCount)
        case .raw:
            guard bytes.count == (count + 7) / 8 else {
                throw SupermaskError("raw mask has \(bytes.count) bytes, expected \((count + 7) / 8) for \(count) weights")
            }
            packed = Array(bytes)
        case .deflate:
            packed = try Zlib.inflate(bytes, size: (count + 7) / 8)
        }
        var mask = BitMask(count: count)
        for (byteIndex, byte) in packed.enumerated() where byte != 0 {
            for bit in 0..<8 where byte & (1 << bit) != 0 {
                let index = byteIndex * 8 + bit
                guard index < count else { throw SupermaskError("mask has bits set past its \(count) weights") }
                mask.insert(index)
            }
        }
        guard mask.keptCount == keptCount else {
            throw SupermaskError("mask keeps \(mask.keptCount) weights but the record says \(keptCount)")
        }
        return mask
    }
}

/// log2 C(n, k): the bits needed to say which k of n weights are kept, with every choice equally likely.
public func log2BinomialCoefficient(_ n: Int, _ k: Int) -> Double {
    guard k > 0, k < n else { return 0 }
    let natural = lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
    return natural / M_LN2
}
