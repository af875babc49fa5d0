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

    /// A transform with the given sizes and statistics.
    public init(resizeShorterSide: Int, cropSize: Int, mean: [Float], standardDeviation: [Float]) {
        self.resizeShorterSide = resizeShorterSide
        self.cropSize = cropSize
        self.mean = mean
        self.standardDeviation = standardDeviation
        table = Self.normalisationTable(mean: mean, standardDeviation: standardDeviation)
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
        let newLong = Int(Double(resizeShorterSide * long) / Double(short))
        return width <= height ? (resizeShorterSide, newLong) : (newLong, resizeShorterSide)
    }

    /// torchvision's CenterCrop offset, `int(round((size − crop) / 2.0))` with Python's round-half-to-even.
    public func cropOffset(size: Int) -> Int {
        Int((Double(size - cropSize) / 2.0).rounded(.toNearestOrEven))
    }

    /// The normalised CHW float32 crop of `image`, written to `output` (`elementCount` floats).
    ///
    /// Throws for images smaller than the crop after resizing (only possible with unusual settings; torchvision
    /// would zero-pad them).
    public func apply(to image: RGBImage, into output: UnsafeMutableBufferPointer<Float>) throws {
        precondition(output.count == elementCount, "ImageNetTransform: output holds \(output.count) floats")
        let size = resizedSize(width: image.width, height: image.height)
        let resized = PillowResample.resize(image, width: size.width, height: size.height)
        guard resized.width >= cropSize, resized.height >= cropSize else {
            throw SupermaskError("image is \(resized.width)×\(resized.height) after resizing, smaller than the \(cropSize)×\(cropSize) crop")
        }
        let top = cropOffset(size: resized.height)
        let left = cropOffset(size: resized.width)
        let plane = cropSize * cropSize
        resized.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<cropSize {
                let row = ((top + y) * resized.width + left) * 3
                for x in 0..<cropSize {
                    for channel in 0..<3 {
                        let value = Int(pixels[row + 3 * x + channel])
                        output[channel * plane + y * cropSize + x] = table[channel * 256 + value]
                    }
                }
            }
        }
    }

    /// The preprocessed image as a new array.
    public func apply(to image: RGBImage) throws -> [Float] {
        var output = [Float](repeating: 0, count: elementCount)
        try output.withUnsafeMutableBufferPointer { try apply(to: image, into: $0) }
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

