import FuzzSupport

/// A mutated PNG with the CRC of every chunk that fits recomputed, so that the mutation reaches libpng's chunk
/// decoders and the conversion behind them instead of stopping at "CRC error" (PNG specification §5.3).
enum PNGRepair {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// `bytes` with every chunk's CRC recomputed; unchanged when they are not a PNG.
    static func repaired(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.starts(with: signature) else { return bytes }
        var fixed = bytes
        var offset = signature.count
        // length (4), type (4), data, CRC of type and data (4).
        while offset + 12 <= fixed.count {
            let length = Int(fixed.bigEndian32(at: offset))
            guard length <= fixed.count - offset - 12 else { break }
            let end = offset + 8 + length
            fixed.storeBigEndian32(CRC32.checksum(fixed[(offset + 4)..<end]), at: end)
            offset = end + 4
        }
        return fixed
    }
}
