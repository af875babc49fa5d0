/// Pillow 13's `Image.resize(size, filter)` for 8-bit RGB and L images (src/libImaging/Resample.c and, for
/// `nearest`, Geometry.c), reproduced operation for operation so the output bytes are identical.
///
/// Pillow's convolution filters ("bilinear" is an antialiasing triangle whose support widens with the downscale
/// factor) run in two separable passes, each into an 8-bit image, accumulating `sample · coefficient` in 32-bit
/// integers with 22-bit fixed-point coefficients, starting from half a unit, and clipping `sum >> 22` to 0…255. A
/// pass whose size does not change is skipped. Which pass runs first changes the bytes (the intermediate image is
/// rounded to 8 bits), and Pillow 13 chooses: vertical first when the height shrinks by more than twice what the
/// width shrinks by, horizontal first otherwise (before Pillow 13, horizontal first always, except — from 12.2 on —
/// images more than 100 times taller than wide whose height shrinks).
public enum PillowResample {
    /// Fixed-point fraction bits: 32 − 8 − 2 in Pillow.
    static let precisionBits = 22

    /// `image` resized to `width` × `height`.
    public static func resize(_ image: RGBImage, width: Int, height: Int, filter: ResampleFilter = .bilinear) -> RGBImage {
        resize(image, width: width, height: height, columns: 0..<width, rows: 0..<height, filter: filter)
    }

    /// The part `columns` × `rows` of `image` resized to `width` × `height`, computed without the rest: the
    /// same bytes as cropping the whole resized image, since every output sample depends only on its own
    /// coordinates (the first pass is computed only where the second reads it). A center crop of a huge resize
    /// costs the crop, not the resize.
    public static func resize(
        _ image: RGBImage, width: Int, height: Int, columns: Range<Int>, rows: Range<Int>, filter: ResampleFilter = .bilinear
    ) -> RGBImage {
        let source = Raster(width: image.width, height: image.height, channels: 3, pixels: image.pixels)
        let result = resize(source, width: width, height: height, columns: columns, rows: rows, filter: filter)
        return RGBImage(width: result.width, height: result.height, pixels: result.pixels)
    }

    /// The part `columns` × `rows` of the gray `image` resized to `width` × `height` (see the RGB version).
    public static func resize(
        _ image: GrayImage, width: Int, height: Int, columns: Range<Int>, rows: Range<Int>, filter: ResampleFilter = .bilinear
    ) -> GrayImage {
        let source = Raster(width: image.width, height: image.height, channels: 1, pixels: image.pixels)
        let result = resize(source, width: width, height: height, columns: columns, rows: rows, filter: filter)
        return GrayImage(width: result.width, height: result.height, pixels: result.pixels)
    }

    /// Whether Pillow 13 runs the vertical pass first (`ImagingResampleInner`): when the height shrinks, and by
    /// more than twice as many rows as the width loses columns.
    static func resizesVerticallyFirst(from size: (width: Int, height: Int), to width: Int, _ height: Int) -> Bool {
        let rowsLost = size.height - height
        return rowsLost > 0 && rowsLost > (size.width - width) * 2
    }

    /// Interleaved 8-bit samples of any channel count, the image both passes read and write.
    struct Raster {
        var width: Int
        var height: Int
        var channels: Int
        var pixels: [UInt8]
    }

    static func resize(_ image: Raster, width: Int, height: Int, columns: Range<Int>, rows: Range<Int>, filter: ResampleFilter) -> Raster {
        precondition(width > 0 && height > 0, "PillowResample: empty output size")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= width && !columns.isEmpty, "PillowResample: columns outside the output")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= height && !rows.isEmpty, "PillowResample: rows outside the output")
        if filter == .nearest {
            return nearest(image, width: width, height: height, columns: columns, rows: rows)
        }
        let horizontal = width == image.width
            ? nil : Coefficients(inputSize: image.width, outputSize: width, outputs: columns, filter: filter)
        let vertical = height == image.height
            ? nil : Coefficients(inputSize: image.height, outputSize: height, outputs: rows, filter: filter)
        switch (horizontal, vertical) {
        case (nil, nil):
            return crop(image, columns: columns, rows: rows)
        case (let horizontal?, nil):
            return horizontalPass(image, rows: rows, coefficients: horizontal)
        case (nil, let vertical?):
            return verticalPass(image, columns: columns, coefficients: vertical)
        case (let horizontal?, let vertical?):
            if resizesVerticallyFirst(from: (image.width, image.height), to: width, height) {
                // The vertical pass produces only the columns the horizontal pass reads.
                let sourceColumns = horizontal.inputRange
                let middle = verticalPass(image, columns: sourceColumns, coefficients: vertical)
                return horizontalPass(middle, rows: 0..<middle.height, coefficients: horizontal.shifted(by: -sourceColumns.lowerBound))
            }
            // The horizontal pass produces only the rows the vertical pass reads.
            let sourceRows = vertical.inputRange
            let middle = horizontalPass(image, rows: sourceRows, coefficients: horizontal)
            return verticalPass(middle, columns: 0..<middle.width, coefficients: vertical.shifted(by: -sourceRows.lowerBound))
        }
    }

    private static func crop(_ image: Raster, columns: Range<Int>, rows: Range<Int>) -> Raster {
        if columns == 0..<image.width && rows == 0..<image.height { return image }
        let channels = image.channels
        var output = [UInt8]()
        output.reserveCapacity(columns.count * rows.count * channels)
        for row in rows {
            let line = row * image.width * channels
            output += image.pixels[(line + columns.lowerBound * channels)..<(line + columns.upperBound * channels)]
        }
        return Raster(width: columns.count, height: rows.count, channels: channels, pixels: output)
    }

    /// Resamples each of `rows` of `image` along x with `coefficients` (one output column per coefficient set).
    private static func horizontalPass(_ image: Raster, rows: Range<Int>, coefficients: Coefficients) -> Raster {
        let stride = coefficients.stride
        let channels = image.channels
        let width = coefficients.first.count
        var output = [UInt8](repeating: 0, count: width * rows.count * channels)
        image.pixels.withUnsafeBufferPointer { input in
            coefficients.weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { out in
                    var sums = [Int32](repeating: 0, count: channels)
                    for (outputRow, row) in rows.enumerated() {
                        let lineIn = row * image.width * channels
                        let lineOut = outputRow * width * channels
                        for x in 0..<width {
                            let low = coefficients.first[x]
                            for channel in 0..<channels { sums[channel] = 1 << (precisionBits - 1) }
                            for tap in 0..<coefficients.count[x] {
                                let weight = weights[x * stride + tap]
                                let sample = lineIn + (low + tap) * channels
                                for channel in 0..<channels {
                                    sums[channel] &+= Int32(input[sample + channel]) &* weight
                                }
                            }
                            for channel in 0..<channels { out[lineOut + channels * x + channel] = clip8(sums[channel]) }
                        }
                    }
                }
            }
        }
        return Raster(width: width, height: rows.count, channels: channels, pixels: output)
    }

    /// Resamples `columns` of `image` along y with `coefficients` (one output row per coefficient set).
    private static func verticalPass(_ image: Raster, columns: Range<Int>, coefficients: Coefficients) -> Raster {
        let stride = coefficients.stride
        let channels = image.channels
        let height = coefficients.first.count
        let inputRowLength = image.width * channels
        let offset = columns.lowerBound * channels
        let rowLength = columns.count * channels
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
                            let line = (low + tap) * inputRowLength + offset
                            for index in 0..<rowLength {
                                sums[index] &+= Int32(input[line + index]) &* weight
                            }
                        }
                        for index in 0..<rowLength { out[y * rowLength + index] = clip8(sums[index]) }
                    }
                }
            }
        }
        return Raster(width: columns.count, height: height, channels: channels, pixels: output)
    }

    /// Pillow's resize with NEAREST: `ImagingScaleAffine` with `a = (in/out, 0, 0, 0, in/out, 0)`. The source
    /// coordinate starts at half a step and is advanced by adding the step (in double, so the rounding of the sum
    /// is Pillow's), then truncated; a coordinate outside the input leaves the sample 0 (Pillow's fill).
    private static func nearest(_ image: Raster, width: Int, height: Int, columns: Range<Int>, rows: Range<Int>) -> Raster {
        let channels = image.channels
        let sourceColumns = nearestCoordinates(inputSize: image.width, outputSize: width, upTo: columns.upperBound)[columns]
        let sourceRows = nearestCoordinates(inputSize: image.height, outputSize: height, upTo: rows.upperBound)[rows]
        var output = [UInt8](repeating: 0, count: columns.count * rows.count * channels)
        var index = 0
        for row in sourceRows {
            for column in sourceColumns {
                if let row, let column {
                    let sample = (row * image.width + column) * channels
                    for channel in 0..<channels { output[index + channel] = image.pixels[sample + channel] }
                }
                index += channels
            }
        }
        return Raster(width: columns.count, height: rows.count, channels: channels, pixels: output)
    }

    /// The source index of outputs `0..<count` along one axis for `nearest`, `nil` where it falls outside.
    private static func nearestCoordinates(inputSize: Int, outputSize: Int, upTo count: Int) -> [Int?] {
        // Pillow passes the box as floats and divides in double: exact for the sizes the limits allow.
        let step = Double(Float(inputSize)) / Double(outputSize)
        var position = 0 + step * 0.5
        var result: [Int?] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            // Geometry.c's COORD: −1 below zero, else truncation.
            let coordinate = position < 0 ? -1 : Int(position)
            result.append(coordinate >= 0 && coordinate < inputSize ? coordinate : nil)
            position += step
        }
        return result
    }

    /// Pillow's clip8: the accumulated sum shifted down and clamped to a byte.
    @inline(__always)
    private static func clip8(_ sum: Int32) -> UInt8 {
        UInt8(clamping: sum >> Int32(precisionBits))
    }
}
