import CZlib
import SupermaskCore

/// The two zlib functions the container uses: CRC-32 and Deflate.
enum Zlib {
    /// zlib's CRC-32 (the ISO-HDLC / PNG polynomial) of `bytes`.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var crc = CZlib.crc32(0, nil, 0)
            guard let base = buffer.baseAddress else { return UInt32(truncatingIfNeeded: crc) }
            // zlib takes a 32-bit length; feed large inputs in pieces.
            var offset = 0
            while offset < buffer.count {
                let length = min(buffer.count - offset, 1 << 30)
                crc = CZlib.crc32(crc, base + offset, uInt(length))
                offset += length
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }

    /// `bytes` compressed by Deflate at level 9, in the zlib wrapper (RFC 1950).
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { compress2(out.baseAddress, &capacity, $0.baseAddress, uLong($0.count), 9) }
        }
        // compress2 only fails for lack of memory or a buffer smaller than compressBound, neither possible here.
        precondition(status == Z_OK, "compress2 failed with status \(status)")
        return Array(output.prefix(Int(capacity)))
    }

    /// Inflates `bytes`, which must decompress to exactly `size` bytes; never allocates more than `size`.
    static func inflate(_ bytes: ArraySlice<UInt8>, size: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var length = uLong(size)
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { uncompress(out.baseAddress, &length, $0.baseAddress, uLong($0.count)) }
        }
        guard status == Z_OK, length == uLong(size) else {
            throw SupermaskError("Deflate stream does not decompress to the recorded \(size) bytes (zlib status \(status))")
        }
        return output
    }
}
