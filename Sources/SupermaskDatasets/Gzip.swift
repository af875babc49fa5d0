import CZlib
import SupermaskCore

/// Decompression of gzip files (RFC 1952), the way datasets such as MNIST are distributed.
public enum Gzip {
    /// The two bytes every gzip member starts with.
    public static let magic: [UInt8] = [0x1f, 0x8b]

    /// Whether `bytes` starts like a gzip file.
    public static func hasMagic(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magic) }

    /// The decompressed contents of `bytes`, one gzip member or several concatenated (as `gzip` and `zcat` accept).
    ///
    /// zlib checks each member's header, CRC-32 and length trailer; a damaged or truncated file throws a
    /// `SupermaskError` naming what is wrong. Output beyond `limit` bytes throws too, so a corrupt or hostile
    /// file cannot make the reader allocate without bound: a reader that knows the size from a header it has read
    /// first (`decompressedPrefix`) passes exactly that size.
    public static func decompress(_ bytes: [UInt8], limit: Int = 1 << 30) throws -> [UInt8] {
        try inflate(bytes, limit: limit, stoppingAfter: nil)
    }

    /// The first `count` bytes of the decompressed contents (fewer if there are fewer), without checking the rest:
    /// a file format's header, read before deciding how much of the file to decompress.
    public static func decompressedPrefix(_ bytes: [UInt8], count: Int) throws -> [UInt8] {
        try inflate(bytes, limit: Int.max, stoppingAfter: count)
    }

    private static func inflate(_ bytes: [UInt8], limit: Int, stoppingAfter prefix: Int?) throws -> [UInt8] {
        guard hasMagic(bytes) else { throw SupermaskError("not a gzip file (it does not start with 1f 8b)") }
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { throw SupermaskError("zlib could not start inflating") }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        // The last member's trailer records its length mod 2^32: a good first guess for the buffer, within what
        // Deflate can expand to (at most 1032:1).
        let recorded = Int(littleEndianUInt32(bytes.suffix(4)))
        output.reserveCapacity(min(limit, prefix ?? Int.max, recorded, 1032 * bytes.count))
        var chunk = [UInt8](repeating: 0, count: min(1 << 16, prefix ?? Int.max))
        return try bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                let wanted = min(chunk.count, (prefix ?? Int.max) - output.count)
                if wanted == 0 { return output }
                let status = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(wanted)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = wanted - Int(stream.avail_out)
                guard output.count + produced <= limit else {
                    throw SupermaskError("decompresses to more than \(limit) bytes")
                }
                output += chunk.prefix(produced)
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    guard stream.avail_in > 0 else { return output }
                    // Another member follows; it must be gzip too, not trailing garbage.
                    let next = input.count - Int(stream.avail_in)
                    guard input[next...].starts(with: magic) else {
                        throw SupermaskError("\(stream.avail_in) bytes of trailing data after the gzip stream")
                    }
                    inflateReset(&stream)
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw SupermaskError("truncated gzip data (the stream ends after \(input.count) bytes without its trailer)")
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw SupermaskError("corrupt gzip data: \(reason)")
                }
            }
        }
    }

    private static func littleEndianUInt32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
}
