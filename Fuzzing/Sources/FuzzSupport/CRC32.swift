/// CRC-32 as zlib, PNG and the `.smask` container compute it (reflected polynomial 0xEDB88320, initial value 0).
///
/// The harnesses recompute the checksums of mutated inputs with it: a fuzzer that flips a byte almost never fixes
/// the checksum too, and would otherwise only ever test the checksum comparison.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// The checksum of `bytes`.
    public static func checksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension Array where Element == UInt8 {
    /// The little-endian integer of `width` bytes at `offset` (the caller checks the bounds).
    public func littleEndian(at offset: Int, width: Int) -> UInt64 {
        (0..<width).reduce(UInt64(0)) { $0 | UInt64(self[offset + $1]) << (8 * $1) }
    }

    /// The big-endian 32-bit integer at `offset` (the caller checks the bounds).
    public func bigEndian32(at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(self[offset + $1]) }
    }

    /// Stores `value` little-endian in `width` bytes at `offset`.
    public mutating func storeLittleEndian(_ value: UInt64, at offset: Int, width: Int) {
        for index in 0..<width { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    /// Stores `value` big-endian in 4 bytes at `offset`.
    public mutating func storeBigEndian32(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * (3 - index))) }
    }
}
