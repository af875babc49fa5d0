import SupermaskCore

/// What an image file may cost before it is refused, checked from its header before any pixel is decoded.
///
/// The pixel rule is Pillow's decompression-bomb check (`Image._decompression_bomb_check`): above `maxPixels`
/// (Pillow's `MAX_IMAGE_PIXELS`, 89,478,485) decoding goes on with a warning, above twice that the image is an
/// error. The same error level bounds the image the transform's resize would make, which Pillow does not check:
/// a 1×60000 image is small, but `Resize(256)` makes it 256×15,360,000. docs/security.md gives the reasons for
/// every default.
public struct ImageLimits: Sendable, Equatable {
    /// Pillow's `MAX_IMAGE_PIXELS`: `1024 * 1024 * 1024 // 4 // 3`, what a 1 GiB RGBA image holds / 3.
    public static let pillowMaxImagePixels = 89_478_485
    /// The largest `maxPixels` accepted: its error level, 2³¹ pixels, is 6 GiB of RGB samples.
    public static let largestMaxPixels = 1 << 30
    /// The default scan limit. cjpeg cannot write more scans (MAX_SCANS in rdswitch.c); the progressions encoders
    /// use have 10 for colour images and 18 at most for CMYK.
    public static let defaultMaxJPEGScans = 100
    /// The largest scan limit accepted.
    public static let largestMaxJPEGScans = 10_000

    /// Images with more pixels than this decode with a warning; more than twice this are refused.
    public var maxPixels: Int
    /// A progressive JPEG with more scans is refused: each scan is a pass over the whole image, so a file of
    /// repeated scans costs time without bound (libjpeg-turbo's TJPARAM_SCANLIMIT and djpeg -maxscans).
    public var maxJPEGScans: Int

    /// Pillow's pixel limit and 100 scans.
    public static let standard = ImageLimits(maxPixels: pillowMaxImagePixels, maxJPEGScans: defaultMaxJPEGScans)

    /// Limits with the given values; both must be positive and at most `largestMaxPixels` and
    /// `largestMaxJPEGScans`, which `validated` checks.
    public init(maxPixels: Int, maxJPEGScans: Int) {
        self.maxPixels = maxPixels
        self.maxJPEGScans = maxJPEGScans
    }

    /// These limits, or a one-line error naming the option when a value is out of range.
    public func validated() throws -> ImageLimits {
        guard (1...Self.largestMaxPixels).contains(maxPixels) else {
            throw SupermaskError("--max-image-pixels must be in 1…\(Self.largestMaxPixels), not \(maxPixels)")
        }
        guard (1...Self.largestMaxJPEGScans).contains(maxJPEGScans) else {
            throw SupermaskError("--max-jpeg-scans must be in 1…\(Self.largestMaxJPEGScans), not \(maxJPEGScans)")
        }
        return self
    }

    /// Images above this many pixels are refused (Pillow's DecompressionBombError level).
    public var errorPixels: Int { Self.saturating(maxPixels, times: 2) }

    /// libjpeg's working memory: a progressive or multi-scan JPEG keeps every DCT coefficient (2 bytes per sample,
    /// 6 bytes per pixel at 4:4:4), so 6 bytes per pixel of `maxPixels` lets every such image up to the warning
    /// level decode (537 MB at the default).
    public var jpegWorkingMemory: Int { Self.saturating(maxPixels, times: 6) }

    /// `value · factor`, or `Int.max` when that overflows (limits that skipped `validated`).
    private static func saturating(_ value: Int, times factor: Int) -> Int {
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? Int.max : product
    }

    /// Pixels of a `width` × `height` image as Pillow counts them (`max(1, w) * max(1, h)`).
    static func pixels(width: Int, height: Int) -> Int {
        let (product, overflow) = max(1, width).multipliedReportingOverflow(by: max(1, height))
        return overflow ? Int.max : product
    }

    /// Throws for an image above the error level.
    public func check(width: Int, height: Int) throws {
        let count = Self.pixels(width: width, height: height)
        guard count <= errorPixels else {
            throw SupermaskError(
                "image of \(width)×\(height) = \(grouped(count)) pixels exceeds the limit of \(grouped(errorPixels)) pixels "
                    + "(twice --max-image-pixels \(grouped(maxPixels)), Pillow's decompression bomb error)")
        }
    }

    /// The warning for an image above the warning level (and not above the error level), else nil.
    public func warning(width: Int, height: Int) -> String? {
        let count = Self.pixels(width: width, height: height)
        guard count > maxPixels else { return nil }
        return "image of \(width)×\(height) = \(grouped(count)) pixels exceeds --max-image-pixels \(grouped(maxPixels)) "
            + "(Pillow's decompression bomb warning); decoding it anyway"
    }

    /// Throws when resizing to `width` × `height` would make an image above the error level (an aspect-ratio
    /// bomb: a thin image whose shorter side is scaled up).
    public func checkResized(width: Int, height: Int, from source: (width: Int, height: Int)) throws {
        let count = Self.pixels(width: width, height: height)
        guard count <= errorPixels else {
            throw SupermaskError(
                "image of \(source.width)×\(source.height) would have \(grouped(count)) pixels after resizing to "
                    + "\(width)×\(height), more than the limit of \(grouped(errorPixels))")
        }
    }
}

/// 7650902 → "7,650,902".
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (offset, digit) in digits.enumerated() {
        if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
        result.append(digit)
    }
    return value < 0 ? "-" + result : result
}
