/// An 8-bit single-channel image, rows top to bottom — Pillow's mode "L".
public struct GrayImage: Sendable, Equatable {
    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int
    /// `width * height` samples.
    public var pixels: [UInt8]

    /// An image with the given size and samples; the sample count must match the size.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "GrayImage: \(pixels.count) samples for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Pillow's `convert("L")` of an RGB image (`rgb2l` in Convert.c): `(R·19595 + G·38470 + B·7471 + 0x8000) >> 16`,
    /// ITU-R 601-2 luma in 16-bit fixed point.
    ///
    /// Applied to the RGB image `ImageDecoder` makes, this is `Image.open(path).convert("L")` for every mode the
    /// decoder reads: Pillow converts L, LA, I;16 and 1 to L by taking (or clipping) the gray value, which the RGB
    /// image replicates and this formula gives back unchanged (the three factors add up to 65,536); P through the
    /// same formula on the palette colour (`p2l`); CMYK through RGB (`cmyk2rgb`, then `rgb2l`).
    public init(luminanceOf image: RGBImage) {
        var gray = [UInt8](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { rgb in
            for index in gray.indices {
                let red = UInt32(rgb[3 * index]), green = UInt32(rgb[3 * index + 1]), blue = UInt32(rgb[3 * index + 2])
                gray[index] = UInt8((red * 19595 + green * 38470 + blue * 7471 + 0x8000) >> 16)
            }
        }
        self.init(width: image.width, height: image.height, pixels: gray)
    }
}
