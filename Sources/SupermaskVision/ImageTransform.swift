import SupermaskCore

/// A torchvision validation transform on Pillow images, as hidden-networks evaluates with it:
/// `Compose([Resize(s), CenterCrop(c), ToTensor(), Normalize(mean, std)])` for ImageNet, and
/// `Compose([ToTensor(), Normalize(mean, std)])` — images as they are — for CIFAR-10 and MNIST; on
/// `Image.open(path).convert("RGB")`, or `convert("L")` for a one-channel model.
public struct ImageTransform: Sendable, Equatable {
    /// What happens to an image's size.
    public enum Geometry: Sendable, Equatable {
        /// `Resize(shorterSide)` with the transform's filter, then `CenterCrop(crop)`.
        case resizeAndCrop(shorterSide: Int, crop: Int)
        /// No resize and no crop: every image must already be `width` × `height`.
        case unchanged(width: Int, height: Int)
    }

    /// The image mode the file is converted to before anything else.
    public enum ColorMode: String, Sendable, Equatable {
        /// `convert("RGB")`: three channels.
        case rgb
        /// `convert("L")`: one channel.
        case grayscale
    }

    /// The resize and crop, or none.
    public var geometry: Geometry
    /// RGB or grayscale.
    public var colorMode: ColorMode
    /// The resize filter (torchvision's interpolation; Pillow's BILINEAR by default).
    public var filter: ResampleFilter
    /// Per-channel mean, as given to Normalize (one value per channel); torchvision makes a float32 tensor of it.
    public var mean: [Double]
    /// Per-channel standard deviation, as given to Normalize; used as float32 too.
    public var standardDeviation: [Double]

    /// Every byte value's final float per channel (channels × 256).
    private let table: [Float]

    /// The largest resize and crop sides accepted: 16 times ImageNet's, 3 × 4096² floats (201 MB) per image.
    public static let largestSide = 4096

    /// A transform; the sizes must satisfy `1 ≤ crop ≤ shorterSide ≤ largestSide` and there must be one mean and
    /// one standard deviation per channel, which `ImagePreset.transform(overriddenBy:)` checks for values from the
    /// command line.
    public init(
        geometry: Geometry, colorMode: ColorMode = .rgb, filter: ResampleFilter = .bilinear, mean: [Double],
        standardDeviation: [Double]
    ) {
        precondition(mean.count == colorMode.channels && standardDeviation.count == colorMode.channels,
                     "ImageTransform: one mean and one standard deviation per channel")
        self.geometry = geometry
        self.colorMode = colorMode
        self.filter = filter
        self.mean = mean
        self.standardDeviation = standardDeviation
        table = Self.normalisationTable(mean: mean, standardDeviation: standardDeviation)
    }

    /// The transform the released ImageNet models were evaluated with (reference §6.1).
    public static let imageNetValidation = ImageTransform(
        geometry: .resizeAndCrop(shorterSide: 256, crop: 224), mean: [0.485, 0.456, 0.406],
        standardDeviation: [0.229, 0.224, 0.225])

    /// Channels per image: 3 for RGB, 1 for grayscale.
    public var channels: Int { colorMode.channels }

    /// The (height, width) every preprocessed image has.
    public var outputSize: (width: Int, height: Int) {
        switch geometry {
        case .resizeAndCrop(_, let crop): (crop, crop)
        case .unchanged(let width, let height): (width, height)
        }
    }

    /// One preprocessed image's shape, (channels, height, width).
    public var imageShape: [Int] { [channels, outputSize.height, outputSize.width] }

    /// Floats per preprocessed image.
    public var elementCount: Int { imageShape.reduce(1, *) }

    /// timm's img_size: the crop side, or the images' own width when nothing is cropped.
    public var imageSize: Int { outputSize.width }

    /// timm's crop_pct: the crop as a fraction of the resized shorter side (224/256 = 0.875); 1 when nothing is
    /// resized or cropped.
    public var cropFraction: Double {
        switch geometry {
        case .resizeAndCrop(let shorterSide, let crop): Double(crop) / Double(shorterSide)
        case .unchanged: 1
        }
    }

    /// torchvision's `_compute_resized_output_size` for an int size: the shorter side (width when the image is
    /// square) becomes `shorterSide`, the longer `int(size · long / short)` with Python's true division.
    public static func resizedSize(width: Int, height: Int, shorterSide: Int) -> (width: Int, height: Int) {
        let (short, long) = width <= height ? (width, height) : (height, width)
        // Exact in Double below 2⁵³, as Python's int / int is; sizes beyond Int saturate (and fail the limits).
        let (product, overflow) = shorterSide.multipliedReportingOverflow(by: long)
        let quotient = Double(product) / Double(max(1, short))
        let newLong = overflow || quotient >= 0x1p62 ? Int.max : Int(quotient)
        return width <= height ? (shorterSide, newLong) : (newLong, shorterSide)
    }

    /// torchvision's CenterCrop offset, `int(round((size − crop) / 2.0))` with Python's round-half-to-even.
    public static func cropOffset(size: Int, crop: Int) -> Int {
        Int((Double(size - crop) / 2.0).rounded(.toNearestOrEven))
    }

    /// Checks a `width` × `height` image against the geometry before it is decoded: the resized size against
    /// `limits` (an aspect-ratio bomb: torchvision would allocate it) and the crop (torchvision would zero-pad a
    /// smaller image), or the exact size when images are taken as they are.
    public func checkImageSize(width: Int, height: Int, limits: ImageLimits) throws {
        switch geometry {
        case .resizeAndCrop(let shorterSide, let crop):
            let size = Self.resizedSize(width: width, height: height, shorterSide: shorterSide)
            try limits.checkResized(width: size.width, height: size.height, from: (width, height))
            guard size.width >= crop, size.height >= crop else {
                throw SupermaskError("image is \(size.width)×\(size.height) after resizing, smaller than the \(crop)×\(crop) crop")
            }
        case .unchanged(let expectedWidth, let expectedHeight):
            guard width == expectedWidth, height == expectedHeight else {
                throw SupermaskError("image is \(width)×\(height); this transform neither resizes nor crops and needs \(expectedWidth)×\(expectedHeight) (--img-size resizes and crops)")
            }
        }
    }

    /// The 8-bit samples the normalisation reads: the image in the transform's mode, resized and cropped. Only
    /// the crop of the resized image is computed (the same bytes as resizing it whole).
    public func croppedSamples(of image: RGBImage, limits: ImageLimits = .standard) throws -> [UInt8] {
        try checkImageSize(width: image.width, height: image.height, limits: limits)
        let (columns, rows, resized): (Range<Int>, Range<Int>, (width: Int, height: Int))
        switch geometry {
        case .resizeAndCrop(let shorterSide, let crop):
            resized = Self.resizedSize(width: image.width, height: image.height, shorterSide: shorterSide)
            let top = Self.cropOffset(size: resized.height, crop: crop)
            let left = Self.cropOffset(size: resized.width, crop: crop)
            (columns, rows) = (left..<(left + crop), top..<(top + crop))
        case .unchanged:
            resized = (image.width, image.height)
            (columns, rows) = (0..<image.width, 0..<image.height)
        }
        switch colorMode {
        case .rgb:
            return PillowResample.resize(
                image, width: resized.width, height: resized.height, columns: columns, rows: rows, filter: filter
            ).pixels
        case .grayscale:
            return PillowResample.resize(
                GrayImage(luminanceOf: image), width: resized.width, height: resized.height, columns: columns, rows: rows,
                filter: filter
            ).pixels
        }
    }

    /// The normalised CHW float32 image, written to `output` (`elementCount` floats). Throws when the image does
    /// not fit the geometry (see `checkImageSize`).
    public func apply(to image: RGBImage, limits: ImageLimits = .standard, into output: UnsafeMutableBufferPointer<Float>) throws {
        precondition(output.count == elementCount, "ImageTransform: output holds \(output.count) floats")
        let samples = try croppedSamples(of: image, limits: limits)
        let plane = outputSize.width * outputSize.height
        let channels = channels
        samples.withUnsafeBufferPointer { samples in
            for position in 0..<plane {
                for channel in 0..<channels {
                    output[channel * plane + position] = table[channel * 256 + Int(samples[position * channels + channel])]
                }
            }
        }
    }

    /// The preprocessed image as a new array.
    public func apply(to image: RGBImage, limits: ImageLimits = .standard) throws -> [Float] {
        var output = [Float](repeating: 0, count: elementCount)
        try output.withUnsafeMutableBufferPointer { try apply(to: image, limits: limits, into: $0) }
        return output
    }

    /// Every byte value's result per channel: ToTensor's `float32(v) / 255`, then Normalize's float32
    /// `(x − mean) / std` — the same three rounded operations torchvision performs, so the bits agree.
    private static func normalisationTable(mean: [Double], standardDeviation: [Double]) -> [Float] {
        var table = [Float](repeating: 0, count: mean.count * 256)
        for channel in mean.indices {
            for value in 0..<256 {
                let unit = Float(value) / 255
                table[channel * 256 + value] = (unit - Float(mean[channel])) / Float(standardDeviation[channel])
            }
        }
        return table
    }
}

extension ImageTransform.ColorMode {
    /// Channels per pixel.
    public var channels: Int { self == .rgb ? 3 : 1 }
}
