import CPNG
import CTurboJPEG
import SupermaskCore

/// Decodes image files to RGB exactly as `PIL.Image.open(path).convert("RGB")` does for JPEG and PNG.
///
/// The format comes from the file's first bytes, not its name: ImageNet's validation set holds a PNG and
/// CMYK JPEGs named `.JPEG`.
public enum ImageDecoder {
    /// The formats the decoder reads.
    public enum Format: String, Sendable {
        case jpeg = "JPEG"
        case png = "PNG"
    }

    /// The format of `bytes` by signature, or nil if it is neither JPEG nor PNG.
    public static func format(of bytes: UnsafeRawBufferPointer) -> Format? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8, zip(bytes.prefix(8), pngSignature).allSatisfy({ $0 == $1 }) { return .png }
        return nil
    }

    /// Reads and decodes the file at `path`; errors name the file.
    public static func decode(contentsOf path: String) throws -> RGBImage {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
        do {
            return try decode(bytes)
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
    }

    /// Decodes an in-memory JPEG or PNG.
    public static func decode(_ bytes: [UInt8]) throws -> RGBImage {
        try bytes.withUnsafeBytes { raw in
            if raw.isEmpty { throw SupermaskError("empty file") }
            switch format(of: raw) {
            case .jpeg: return try decodeJPEG(raw)
            case .png: return try decodePNG(raw)
            case nil: throw SupermaskError("not a JPEG or PNG image (the first bytes are \(signature(raw)))")
            }
        }
    }

    private static func decodeJPEG(_ raw: UnsafeRawBufferPointer) throws -> RGBImage {
        var image = sm_jpeg_image()
        let status = sm_jpeg_decode(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, &image)
        defer { sm_jpeg_free(&image) }
        guard status == 0, let pixels = image.pixels else {
            throw SupermaskError("cannot decode JPEG: \(message(image.message))")
        }
        let count = Int(image.width) * Int(image.height)
        let samples = UnsafeBufferPointer(start: pixels, count: count * Int(image.components))
        let rgb = image.components == 4
            ? PillowColorConversion.rgb(fromAdobeCMYK: samples, pixelCount: count)
            : PillowColorConversion.rgb(fromSamples: samples, components: Int(image.components), pixelCount: count)
        return RGBImage(width: Int(image.width), height: Int(image.height), pixels: rgb)
    }

    private static func decodePNG(_ raw: UnsafeRawBufferPointer) throws -> RGBImage {
        var image = sm_png_image()
        let status = sm_png_decode(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, &image)
        defer { sm_png_free(&image) }
        guard status == 0, let pixels = image.pixels else {
            throw SupermaskError("cannot decode PNG: \(message(image.message))")
        }
        let count = Int(image.width) * Int(image.height)
        let samples = UnsafeBufferPointer(start: pixels, count: count * Int(image.components))
        let rgb = PillowColorConversion.rgb(fromSamples: samples, components: Int(image.components), pixelCount: count)
        return RGBImage(width: Int(image.width), height: Int(image.height), pixels: rgb)
    }

    /// The C decoders' fixed-size message buffer as a String.
    private static func message<T>(_ buffer: T) -> String {
        withUnsafeBytes(of: buffer) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func signature(_ raw: UnsafeRawBufferPointer) -> String {
        raw.prefix(4).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: " ")
    }
}
