/// Pillow's `Image.resize(size, Image.BILINEAR)` for 8-bit RGB images (src/libImaging/Resample.c),
/// reproduced operation for operation so the output bytes are identical.
///
/// Pillow's "bilinear" is an antialiasing triangle filter whose support widens with the downscale factor. The
/// resize is separable: a horizontal pass into an 8-bit intermediate image, then a vertical pass; a pass whose
/// size does not change is skipped. Each pass accumulates `pixel · coefficient` in 32-bit integers with 22-bit
/// fixed-point coefficients, starting from half a unit, and clips `sum >> 22` to 0…255.
public enum PillowResample {
    /// Fixed-point fraction bits: 32 − 8 − 2 in Pillow.
    static let precisionBits = 22

    /// Which input samples feed each output sample along one axis, and with what fixed-point weights.
    struct Coefficients {
        /// The first input index per output index.
        var first: [Int]
        /// How many inputs per output index.
        var count: [Int]
        /// `stride` weights per output index, zero-padded.
        var weights: [Int32]
        /// The largest possible `count`.
        var stride: Int

        /// Pillow's precompute_coeffs (box = the whole axis) followed by normalize_coeffs_8bpc.
        init(inputSize: Int, outputSize: Int) {
            let scale = Double(inputSize) / Double(outputSize)
            let filterScale = max(scale, 1.0)
            let support = 1.0 * filterScale
            stride = Int(support.rounded(.up)) * 2 + 1
            first = [Int](repeating: 0, count: outputSize)
            count = [Int](repeating: 0, count: outputSize)
            weights = [Int32](repeating: 0, count: outputSize * stride)
            let inverseFilterScale = 1.0 / filterScale
            var taps = [Double](repeating: 0, count: stride)
            for output in 0..<outputSize {
                let center = 0.0 + (Double(output) + 0.5) * scale
                // C's (int) cast truncates toward zero, as Int(_:) does.
                let low = max(0, Int(center - support + 0.5))
                let high = min(inputSize, Int(center + support + 0.5))
                let length = high - low
                var total = 0.0
                for tap in 0..<length {
                    let weight = Self.triangle((Double(tap + low) - center + 0.5) * inverseFilterScale)
                    taps[tap] = weight
                    total += weight
                }
                for tap in 0..<length {
                    let normalised = total != 0 ? taps[tap] / total : taps[tap]
                    weights[output * stride + tap] = Self.fixedPoint(normalised)
                }
                first[output] = low
                count[output] = length
            }
        }

        /// Pillow's bilinear_filter.
        private static func triangle(_ x: Double) -> Double {
            let magnitude = x < 0 ? -x : x
            return magnitude < 1 ? 1 - magnitude : 0
        }

        /// `(int)(w · 2^22 ± 0.5)`: round half away from zero.
        private static func fixedPoint(_ weight: Double) -> Int32 {
            let scaled = weight * Double(1 << PillowResample.precisionBits)
            return Int32(weight < 0 ? -0.5 + scaled : 0.5 + scaled)
        }
    }

    /// `image` resized to `width` × `height` with Pillow's BILINEAR filter.
    public static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        precondition(width > 0 && height > 0, "PillowResample: empty output size")
        if width == image.width && height == image.height { return image }
        let vertical = Coefficients(inputSize: image.height, outputSize: height)
        var source = image
        var verticalFirst = vertical.first
        if width != image.width {
            // Like Pillow, the horizontal pass only produces the rows the vertical pass reads.
            let firstRow = vertical.first[0]
            let endRow = vertical.first[height - 1] + vertical.count[height - 1]
            source = horizontalPass(image, rows: firstRow..<endRow, width: width)
            verticalFirst = vertical.first.map { $0 - firstRow }
        }
        if height == image.height { return source }
        var shifted = vertical
        shifted.first = verticalFirst
        return verticalPass(source, coefficients: shifted, height: height)
    }

    private static func horizontalPass(_ image: RGBImage, rows: Range<Int>, width: Int) -> RGBImage {
        let coefficients = Coefficients(inputSize: image.width, outputSize: width)
        let stride = coefficients.stride
        var output = [UInt8](repeating: 0, count: width * rows.count * 3)
        image.pixels.withUnsafeBufferPointer { input in
            coefficients.weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { out in
                    for (outputRow, row) in rows.enumerated() {
                        let lineIn = row * image.width * 3
                        let lineOut = outputRow * width * 3
                        for x in 0..<width {
                            let low = coefficients.first[x]
                            var red: Int32 = 1 << (precisionBits - 1)
                            var green = red
                            var blue = red
                            for tap in 0..<coefficients.count[x] {
                                let weight = weights[x * stride + tap]
                                let pixel = lineIn + (low + tap) * 3
                                red &+= Int32(input[pixel]) &* weight
                                green &+= Int32(input[pixel + 1]) &* weight
                                blue &+= Int32(input[pixel + 2]) &* weight
                            }
                            out[lineOut + 3 * x] = clip8(red)
                            out[lineOut + 3 * x + 1] = clip8(green)
                            out[lineOut + 3 * x + 2] = clip8(blue)
                        }
                    }
                }
            }
        }
        return RGBImage(width: width, height: rows.count, pixels: output)
    }

    private static func verticalPass(_ image: RGBImage, coefficients: Coefficients, height: Int) -> RGBImage {
        let stride = coefficients.stride
        let rowLength = image.width * 3
        var output = [UInt8](repeating: 0, count: rowLength * height)
        image.pixels.withUnsafeBufferPointer { input in
            coefficients.weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { out in
                    var sums = [Int32](repeating: 0, count: rowLength)
                    for y in 0..<height {
                        let low = coefficients.first[y]
                        for index in 0..<rowLength { sums[index] = 1 << (precisionBits - 1) }
                        for tap in 0..<coefficients.count[y] {
                            let weight = weights[y * stride + tap]
                            let line = (low + tap) * rowLength
                            for index in 0..<rowLength {
                                sums[index] &+= Int32(input[line + index]) &* weight
                            }
                        }
                        for index in 0..<rowLength { out[y * rowLength + index] = clip8(sums[index]) }
                    }
                }
            }
        }
        return RGBImage(width: image.width, height: height, pixels: output)
    }

    /// Pillow's clip8: the accumulated sum shifted down and clamped to a byte.
    @inline(__always)
    private static func clip8(_ sum: Int32) -> UInt8 {
        UInt8(clamping: sum >> Int32(precisionBits))
    }
}
