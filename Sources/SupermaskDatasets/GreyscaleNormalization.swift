import SupermaskCore

/// torchvision's `ToTensor()` followed by `Normalize((mean,), (std,))` for one-channel byte images, element for
/// element: ToTensor divides by 255 in float32, Normalize subtracts the mean and then divides by the standard
/// deviation, both converted to float32 first — so `(Float(p) / 255 − Float(mean)) / Float(std)`, each step
/// rounded to float32, which is what `tools/make_demo_fixture.py` checks against torch.
public struct GreyscaleNormalization: Sendable, Equatable {
    /// The mean subtracted after scaling to [0, 1], as float32.
    public var mean: Float
    /// The standard deviation divided by, as float32.
    public var standardDeviation: Float

    /// Normalization with torchvision's values, given as the Python floats a transform would hold.
    public init(mean: Double, standardDeviation: Double) throws {
        guard mean.isFinite, standardDeviation.isFinite, standardDeviation > 0 else {
            throw SupermaskError("normalization mean \(mean) and std \(standardDeviation) must be finite with std > 0")
        }
        self.mean = Float(mean)
        self.standardDeviation = Float(standardDeviation)
    }

    /// The value one pixel becomes.
    public func normalize(_ pixel: UInt8) -> Float {
        (Float(pixel) / 255 - mean) / standardDeviation
    }

    /// Images `range` of `images` as a float32 NCHW batch [n, 1, rows, columns].
    public func batch(_ images: LabelledImages, range: Range<Int>) -> Tensor {
        // 256 possible inputs: a table gives the same values as the formula, without the division per pixel.
        let table = (0...255).map { normalize(UInt8($0)) }
        let pixelsPerImage = images.rows * images.columns
        let pixels = images.pixels[range.lowerBound * pixelsPerImage..<range.upperBound * pixelsPerImage]
        return Tensor(shape: [range.count, 1, images.rows, images.columns], scalars: pixels.map { table[Int($0)] })
    }
}
