import CPNG
import CTurboJPEG
import SupermaskCore

/// Decodes image files to RGB exactly as `PIL.Image.open(path).convert("RGB")` does for JPEG and PNG.
///
/// The format comes from the file's first bytes, not its name: ImageNet's validation set holds a PNG and
/// CMYK JPEGs named `.JPEG`. The header is read first and checked against `ImageLimits` before any pixel is
/// decoded; the pixels are then decoded into one buffer and converted to RGB in place, so an image costs at
/// most 4 bytes per pixel (plus libjpeg's coefficients for a progressive JPEG, bounded by the limits too).
public enum ImageDecoder {
    /// The formats the decoder reads.
    public enum Format: String, Sendable {
        case jpeg = "JPEG"
        case png = "PNG"
    }

    /// What an image's header says.
    public struct Header: Sendable, Equatable {
        public var format: Format
        public var width: Int
        public var height: Int
    }

    /// The format of `bytes` by signature, or nil if it is neither JPEG nor PNG.
    public static func format(of bytes: UnsafeRawBufferPointer) -> Format? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8, zip(bytes.prefix(8), pngSignature).allSatisfy({ $0 == $1 }) { return .png }
        return nil
    }

    /// Reads and decodes the file at `path`; errors name the file.
    public static func decode(
        contentsOf path: String, limits: ImageLimits = .standard, beforeDecoding: (Header) throws -> Void = { _ in }
    ) throws -> RGBImage {
        do {
            return try RegularFile.withMapped(path) { try decode($0, limits: limits, beforeDecoding: beforeDecoding) }
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
    }

    /// Decodes an in-memory JPEG or PNG. `beforeDecoding` sees the header once it has passed the pixel limit and
    /// may throw to stop before any pixel is decoded.
    public static func decode(
        _ bytes: [UInt8], limits: ImageLimits = .standard, beforeDecoding: (Header) throws -> Void = { _ in }
    ) throws -> RGBImage {
        try bytes.withUnsafeBytes { try decode($0, limits: limits, beforeDecoding: beforeDecoding) }
    }

    /// `decode(_:limits:beforeDecoding:)` for bytes in memory that is not an array (a mapped file).
    public static func decode(
        _ raw: UnsafeRawBufferPointer, limits: ImageLimits = .standard, beforeDecoding: (Header) throws -> Void = { _ in }
    ) throws -> RGBImage {
        if raw.isEmpty { throw SupermaskError("empty file") }
        switch format(of: raw) {
        case .jpeg: return try decodeJPEG(raw, limits: limits, beforeDecoding: beforeDecoding)
        case .png: return try decodePNG(raw, limits: limits, beforeDecoding: beforeDecoding)
        case nil: throw SupermaskError("not a JPEG or PNG image (the first bytes are \(signature(raw)))")
        }
    }

    private static func decodeJPEG(
        _ raw: UnsafeRawBufferPointer, limits: ImageLimits, beforeDecoding: (Header) throws -> Void
    ) throws -> RGBImage {
        var header = sm_jpeg_header()
        var status = SM_JPEG_OK
        var message = [CChar](repeating: 0, count: 200)
        let bytes = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let decoder = sm_jpeg_open(
            bytes, raw.count, Int32(clamping: limits.maxJPEGScans), limits.jpegWorkingMemory, &header, &status, &message, message.count)
        defer { sm_jpeg_close(decoder) }
        guard let decoder else { throw jpegError(status, message, limits: limits) }
        let size = Header(format: .jpeg, width: Int(header.width), height: Int(header.height))
        try limits.check(width: size.width, height: size.height)
        try beforeDecoding(size)
        let components = Int(header.components)
        return try RGBImage(width: size.width, height: size.height, decodingSamplesPerPixel: components) { buffer in
            status = sm_jpeg_read(decoder, buffer.baseAddress, buffer.count, &message, message.count)
            guard status == SM_JPEG_OK else { throw jpegError(status, message, limits: limits) }
            if components == 4 {
                PillowColorConversion.convertAdobeCMYKToRGB(buffer, pixelCount: size.width * size.height)
            } else {
                PillowColorConversion.convertToRGB(buffer, components: components, pixelCount: size.width * size.height)
            }
        }
    }

    private static func decodePNG(
        _ raw: UnsafeRawBufferPointer, limits: ImageLimits, beforeDecoding: (Header) throws -> Void
    ) throws -> RGBImage {
        var header = sm_png_header()
        var message = [CChar](repeating: 0, count: 200)
        let decoder = sm_png_open(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, &header, &message, message.count)
        defer { sm_png_close(decoder) }
        guard let decoder else { throw SupermaskError("cannot decode PNG: \(text(message))") }
        let size = Header(format: .png, width: Int(header.width), height: Int(header.height))
        try limits.check(width: size.width, height: size.height)
        try beforeDecoding(size)
        let components = Int(header.components)
        return try RGBImage(width: size.width, height: size.height, decodingSamplesPerPixel: Int(header.decoding_bytes_per_pixel)) { buffer in
            guard sm_png_read(decoder, buffer.baseAddress, buffer.count, &message, message.count) == 0 else {
                throw SupermaskError("cannot decode PNG: \(text(message))")
            }
            PillowColorConversion.convertToRGB(buffer, components: components, pixelCount: size.width * size.height)
        }
    }

    private static func jpegError(_ status: sm_jpeg_status, _ message: [CChar], limits: ImageLimits) -> SupermaskError {
        switch status {
        case SM_JPEG_TOO_MANY_SCANS:
            return SupermaskError(
                "cannot decode JPEG: the progressive image has more than \(limits.maxJPEGScans) scans (--max-jpeg-scans), "
                    + "each a pass over the whole image")
        case SM_JPEG_TOO_MUCH_MEMORY:
            return SupermaskError(
                "cannot decode JPEG: it needs more than \(grouped(limits.jpegWorkingMemory)) bytes of decoder memory "
                    + "(6 bytes per pixel of --max-image-pixels)")
        default:
            return SupermaskError("cannot decode JPEG: \(text(message))")
        }
    }

    /// A C decoder's message buffer as a String.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func signature(_ raw: UnsafeRawBufferPointer) -> String {
        raw.prefix(4).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: " ")
    }
}

extension RGBImage {
    /// An image decoded in place: `decode` fills a buffer of `width × height × max(3, samplesPerPixel)` bytes and
    /// leaves RGB in its first `width × height × 3`.
    init(
        width: Int, height: Int, decodingSamplesPerPixel samplesPerPixel: Int,
        decode: (UnsafeMutableBufferPointer<UInt8>) throws -> Void
    ) throws {
        // The pixel limits keep width × height below 2³¹, so these products cannot overflow.
        let pixelCount = width * height
        let capacity = pixelCount * max(3, samplesPerPixel)
        var pixels = [UInt8](repeating: 0, count: capacity)
        try pixels.withUnsafeMutableBufferPointer { try decode($0) }
        pixels.removeLast(capacity - pixelCount * 3)
        self.init(width: width, height: height, pixels: pixels)
    }
}
