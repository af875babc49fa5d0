/// An 8-bit RGB image, rows top to bottom, pixels interleaved (R, G, B) — Pillow's mode "RGB".
public struct RGBImage: Sendable, Equatable {
    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int
    /// `width * height * 3` samples.
    public var pixels: [UInt8]

    /// An image with the given size and samples; the sample count must match the size.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage: \(pixels.count) samples for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
