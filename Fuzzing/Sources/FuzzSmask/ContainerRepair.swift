import FuzzSupport

/// A mutated `.smask` container with its length field and every CRC made consistent again (docs/format.md §2–3),
/// so that the mutation reaches the architecture, metadata and layer decoders and the engines behind them.
enum ContainerRepair {
    static let headerSize = 28
    static let sectionHeaderSize = 16

    /// `bytes` with the header's file length and CRC, and the CRC of every section that fits, recomputed; the
    /// bytes unchanged when they do not even hold a header.
    static func repaired(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= headerSize else { return bytes }
        var fixed = bytes
        fixed.storeLittleEndian(UInt64(fixed.count), at: 16, width: 8)
        fixed.storeLittleEndian(UInt64(CRC32.checksum(fixed[0..<24])), at: 24, width: 4)
        var offset = headerSize
        while offset + sectionHeaderSize <= fixed.count {
            let payload = fixed.littleEndian(at: offset + 8, width: 8)
            let remaining = UInt64(fixed.count - offset - sectionHeaderSize)
            guard payload <= remaining, remaining - payload >= 4 else { break }
            let end = offset + sectionHeaderSize + Int(payload)
            fixed.storeLittleEndian(UInt64(CRC32.checksum(fixed[offset..<end])), at: end, width: 4)
            offset = end + 4
        }
        return fixed
    }
}
