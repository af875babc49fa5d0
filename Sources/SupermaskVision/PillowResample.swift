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

        /// Pillow's precompute_coeffs (box = the whole axis) followed by normalize_coeffs_8bpc, for the output
        /// indices `outputs` only (stored from index 0): each output's taps depend on its own index alone.
        init(inputSize: Int, outputSize: Int, outputs: Range<Int>) {
            let scale = Double(inputSize) / Double(outputSize)
            let filterScale = max(scale, 1.0)
            let support = 1.0 * filterScale
            stride = Int(support.rounded(.up)) * 2 + 1
            first = [Int](repeating: 0, count: outputs.count)
            count = [Int](repeating: 0, count: outputs.count)
            weights = [Int32](repeating: 0, count: outputs.count * stride)
            let inverseFilterScale = 1.0 / filterScale
            var taps = [Double](repeating: 0, count: stride)
            for (slot, output) in outputs.enumerated() {
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
                    weights[slot * stride + tap] = Self.fixedPoint(normalised)
                }
                first[slot] = low
                count[slot] = length
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
        resize(image, width: width, height: height, columns: 0..<width, rows: 0..<height)
    }

    /// The part `columns` × `rows` of `image` resized to `width` × `height`, computed without the rest: the
    /// same bytes as cropping the whole resized image, since every output sample depends only on its own
    /// coordinates. A center crop of a huge resize costs the crop, not the resize.
    public static func resize(_ image: RGBImage, width: Int, height: Int, columns: Range<Int>, rows: Range<Int>) -> RGBImage {
        precondition(width > 0 && height > 0, "PillowResample: empty output size")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= width && !columns.isEmpty, "PillowResample: columns outside the output")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= height && !rows.isEmpty, "PillowResample: rows outside the output")
        let vertical = height == image.height ? nil : Coefficients(inputSize: image.height, outputSize: height, outputs: rows)
        // Like Pillow, the horizontal pass only produces the rows the vertical pass reads.
        let sourceRows = vertical.map { $0.first[0]..<($0.first[rows.count - 1] + $0.count[rows.count - 1]) } ?? rows
        let source = width == image.width
            ? crop(image, columns: columns, rows: sourceRows)
            : horizontalPass(image, rows: sourceRows, coefficients: Coefficients(inputSize: image.width, outputSize: width, outputs: columns))
        guard var coefficients = vertical else { return source }
        coefficients.first = coefficients.first.map { $0 - sourceRows.lowerBound }
        return verticalPass(source, coefficients: coefficients, height: rows.count)
    }

    private static func crop(_ image: RGBImage, columns: Range<Int>, rows: Range<Int>) -> RGBImage {
        if columns == 0..<image.width && rows == 0..<image.height { return image }
        var output = [UInt8]()
        output.reserveCapacity(columns.count * rows.count * 3)
        for row in rows {
            let line = row * image.width * 3
            output += image.pixels[(line + columns.lowerBound * 3)..<(line + columns.upperBound * 3)]
        }
        return RGBImage(width: columns.count, height: rows.count, pixels: output)
    }

    private static func horizontalPass(_ image: RGBImage, rows: Range<Int>, coefficients: Coefficients) -> RGBImage {
        let stride = coefficients.stride
        let width = coefficients.first.count
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
