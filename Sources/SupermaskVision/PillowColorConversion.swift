/// Pillow's `convert("RGB")` for the modes its JPEG and PNG readers produce (src/libImaging/Convert.c and
/// Unpack.c), applied to interleaved 8-bit samples.
enum PillowColorConversion {
    /// Converts `components`-channel samples (1 = L, 2 = LA, 3 = RGB, 4 = RGBA) to RGB: gray is replicated,
    /// alpha is dropped without compositing (l2rgb, la2rgb, rgba2rgb).
    static func rgb(fromSamples samples: UnsafeBufferPointer<UInt8>, components: Int, pixelCount: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { out, initialised in
            for pixel in 0..<pixelCount {
                let source = pixel * components
                if components <= 2 {
                    let gray = samples[source]
                    out[3 * pixel] = gray
                    out[3 * pixel + 1] = gray
                    out[3 * pixel + 2] = gray
                } else {
                    out[3 * pixel] = samples[source]
                    out[3 * pixel + 1] = samples[source + 1]
                    out[3 * pixel + 2] = samples[source + 2]
                }
            }
            initialised = pixelCount * 3
        }
    }

    /// Converts CMYK as libjpeg returns it for Adobe-style files to RGB. Pillow reads JPEG CMYK with raw mode
    /// "CMYK;I" (every component inverted, "assume adobe conventions"), then cmyk2rgb computes
    /// `nk = 255 − K; channel = clip(nk − nk·C/255)` with its rounded integer division by 255.
    static func rgb(fromAdobeCMYK samples: UnsafeBufferPointer<UInt8>, pixelCount: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { out, initialised in
            for pixel in 0..<pixelCount {
                let source = pixel * 4
                let inkBlack = 255 - Int(samples[source + 3])
                let remainingBlack = 255 - inkBlack
                for channel in 0..<3 {
                    let ink = 255 - Int(samples[source + channel])
                    let value = remainingBlack - multiplyDividing255(ink, remainingBlack)
                    out[3 * pixel + channel] = UInt8(clamping: value)
                }
            }
            initialised = pixelCount * 3
        }
    }

    /// Pillow's MULDIV255: `a·b/255` rounded, with shifts instead of a division.
    @inline(__always)
    static func multiplyDividing255(_ a: Int, _ b: Int) -> Int {
        let product = a * b + 128
        return ((product >> 8) + product) >> 8
    }
}
