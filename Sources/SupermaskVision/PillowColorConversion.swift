/// Pillow's `convert("RGB")` for the modes its JPEG and PNG readers produce (src/libImaging/Convert.c and
/// Unpack.c), applied in place to interleaved 8-bit samples at the start of a buffer of at least
/// `max(3, components) × pixelCount` bytes, leaving RGB in its first `3 × pixelCount` bytes.
enum PillowColorConversion {
    /// Converts `components`-channel samples (1 = L, 2 = LA, 3 = RGB, 4 = RGBA) to RGB: gray is replicated,
    /// alpha is dropped without compositing (l2rgb, la2rgb, rgba2rgb).
    static func convertToRGB(_ buffer: UnsafeMutableBufferPointer<UInt8>, components: Int, pixelCount: Int) {
        precondition(buffer.count >= max(3, components) * pixelCount, "PillowColorConversion: buffer too small")
        switch components {
        case 1, 2:
            // Each pixel grows, so go from the last one back: pixel i is read before pixels i′ ≥ i are written,
            // and writing pixel i (bytes 3i…3i+2) never reaches an unread pixel j < i (bytes ≤ 2j+1 < 3i).
            for pixel in stride(from: pixelCount - 1, through: 0, by: -1) {
                let gray = buffer[pixel * components]
                buffer[3 * pixel] = gray
                buffer[3 * pixel + 1] = gray
                buffer[3 * pixel + 2] = gray
            }
        case 4:
            // Each pixel shrinks, so go forward: pixel i's bytes 4i… are read before 3i… are written.
            for pixel in 0..<pixelCount {
                buffer[3 * pixel] = buffer[4 * pixel]
                buffer[3 * pixel + 1] = buffer[4 * pixel + 1]
                buffer[3 * pixel + 2] = buffer[4 * pixel + 2]
            }
        default:
            break
        }
    }

    /// Converts CMYK as libjpeg returns it for Adobe-style files to RGB. Pillow reads JPEG CMYK with raw mode
    /// "CMYK;I" (every component inverted, "assume adobe conventions"), then cmyk2rgb computes
    /// `nk = 255 − K; channel = clip(nk − nk·C/255)` with its rounded integer division by 255.
    static func convertAdobeCMYKToRGB(_ buffer: UnsafeMutableBufferPointer<UInt8>, pixelCount: Int) {
        precondition(buffer.count >= 4 * pixelCount, "PillowColorConversion: buffer too small")
        // Forward, as for RGBA: pixel i's channel c (byte 4i + c) is read before byte 3i + c ≤ 4i + c is written.
        for pixel in 0..<pixelCount {
            let source = pixel * 4
            let remainingBlack = Int(buffer[source + 3])
            for channel in 0..<3 {
                let ink = 255 - Int(buffer[source + channel])
                buffer[3 * pixel + channel] = UInt8(clamping: remainingBlack - multiplyDividing255(ink, remainingBlack))
            }
        }
    }

    /// Pillow's MULDIV255: `a·b/255` rounded, with shifts instead of a division.
    @inline(__always)
    static func multiplyDividing255(_ a: Int, _ b: Int) -> Int {
        let product = a * b + 128
        return ((product >> 8) + product) >> 8
    }
}
