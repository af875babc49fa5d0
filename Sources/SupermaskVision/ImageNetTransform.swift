import SupermaskCore

/// torchvision's ImageNet validation transform on Pillow images:
/// `Compose([Resize(256), CenterCrop(224), ToTensor(), Normalize(mean, std)])`.
public struct ImageNetTransform: Sendable, Equatable {
    /// The length the shorter side is resized to (Resize(256)).
    public var resizeShorterSide: Int
    /// The side of the square center crop (CenterCrop(224)).
    public var cropSize: Int
    /// Per-channel mean, as torchvision turns it into a float32 tensor.
    public var mean: [Float]
    /// Per-channel standard deviation, as a float32 tensor.
    public var standardDeviation: [Float]

    /// The transform the released models were evaluated with (reference §6.1).
    public static let imageNetValidation = ImageNetTransform(
        resizeShorterSide: 256, cropSize: 224, mean: [0.485, 0.456, 0.406], standardDeviation: [0.229, 0.224, 0.225])

    /// The largest resize and crop sides accepted: 16 times ImageNet's, 3 × 4096² floats (201 MB) per image.
    public static let largestSide = 4096

    /// A transform with the given sizes and statistics; the sizes must satisfy `1 ≤ cropSize ≤ resizeShorterSide ≤
    /// largestSide`, which `withSizes` checks for values from the command line.
    public init(resizeShorterSide: Int, cropSize: Int, mean: [Float], standardDeviation: [Float]) {
        self.resizeShorterSide = resizeShorterSide
        self.cropSize = cropSize
        self.mean = mean
        self.standardDeviation = standardDeviation
        table = Self.normalisationTable(mean: mean, standardDeviation: standardDeviation)
    }

    /// This transform's statistics with other sizes, or a one-line error when they are out of range: a crop larger
    /// than the resized shorter side would need the zero padding torchvision adds and supermask does not.
    public func withSizes(resizeShorterSide: Int, cropSize: Int) throws -> ImageNetTransform {
        guard (1...Self.largestSide).contains(resizeShorterSide) else {
            throw SupermaskError("--resize must be in 1…\(Self.largestSide), not \(resizeShorterSide)")
        }
        guard (1...resizeShorterSide).contains(cropSize) else {
            throw SupermaskError("--crop must be in 1…\(resizeShorterSide) (the --resize side), not \(cropSize)")
        }
        return ImageNetTransform(
            resizeShorterSide: resizeShorterSide, cropSize: cropSize, mean: mean, standardDeviation: standardDeviation)
    }

    /// Every byte value's final float per channel (3 × 256).
    private let table: [Float]

    /// timm's crop_pct: the crop as a fraction of the resized shorter side (224/256 = 0.875).
    public var cropFraction: Double { Double(cropSize) / Double(resizeShorterSide) }

    /// Floats per preprocessed image: 3 × crop × crop.
    public var elementCount: Int { 3 * cropSize * cropSize }

    /// torchvision's `_compute_resized_output_size` for an int size: the shorter side (width when the image is
    /// square) becomes `resizeShorterSide`, the longer `int(size · long / short)` with Python's true division.
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let (short, long) = width <= height ? (width, height) : (height, width)
        // Exact in Double below 2⁵³, as Python's int / int is; sizes beyond Int saturate (and fail the limits).
        let (product, overflow) = resizeShorterSide.multipliedReportingOverflow(by: long)
        let quotient = Double(product) / Double(max(1, short))
        let newLong = overflow || quotient >= 0x1p62 ? Int.max : Int(quotient)
        return width <= height ? (resizeShorterSide, newLong) : (newLong, resizeShorterSide)
    }

    /// torchvision's CenterCrop offset, `int(round((size − crop) / 2.0))` with Python's round-half-to-even.
    public func cropOffset(size: Int) -> Int {
        Int((Double(size - cropSize) / 2.0).rounded(.toNearestOrEven))
    }

    /// The normalised CHW float32 crop of `image`, written to `output` (`elementCount` floats).
    ///
    /// Only the crop of the resized image is computed (the same bytes as resizing it whole). Throws when the
    /// resized image would be above `limits`' error level (an aspect-ratio bomb: torchvision would allocate it)
    /// or smaller than the crop (torchvision would zero-pad it).
    public func apply(to image: RGBImage, limits: ImageLimits = .standard, into output: UnsafeMutableBufferPointer<Float>) throws {
        precondition(output.count == elementCount, "ImageNetTransform: output holds \(output.count) floats")
        let size = try checkedResizedSize(width: image.width, height: image.height, limits: limits)
        let top = cropOffset(size: size.height)
        let left = cropOffset(size: size.width)
        let crop = PillowResample.resize(
            image, width: size.width, height: size.height, columns: left..<(left + cropSize), rows: top..<(top + cropSize))
        let plane = cropSize * cropSize
        crop.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<cropSize {
                let row = y * cropSize * 3
                for x in 0..<cropSize {
                    for channel in 0..<3 {
                        let value = Int(pixels[row + 3 * x + channel])
                        output[channel * plane + y * cropSize + x] = table[channel * 256 + value]
                    }
                }
            }
        }
    }

    /// The resized size of a `width` × `height` image, checked against `limits` and the crop.
    public func checkedResizedSize(width: Int, height: Int, limits: ImageLimits) throws -> (width: Int, height: Int) {
        let size = resizedSize(width: width, height: height)
        try limits.checkResized(width: size.width, height: size.height, from: (width, height))
        guard size.width >= cropSize, size.height >= cropSize else {
            throw SupermaskError("image is \(size.width)×\(size.height) after resizing, smaller than the \(cropSize)×\(cropSize) crop")
        }
        return size
    }

    /// The preprocessed image as a new array.
    public func apply(to image: RGBImage, limits: ImageLimits = .standard) throws -> [Float] {
        var output = [Float](repeating: 0, count: elementCount)
        try output.withUnsafeMutableBufferPointer { try apply(to: image, limits: limits, into: $0) }
        return output
    }

    /// Every byte value's result per channel: ToTensor's `float32(v) / 255`, then Normalize's float32
    /// `(x − mean) / std` — the same three rounded operations torchvision performs, so the bits agree.
    private static func normalisationTable(mean: [Float], standardDeviation: [Float]) -> [Float] {
        var table = [Float](repeating: 0, count: 3 * 256)
        for channel in 0..<3 {
            for value in 0..<256 {
                let unit = Float(value) / 255
                table[channel * 256 + value] = (unit - mean[channel]) / standardDeviation[channel]
            }
        }
        return table
    }
}

