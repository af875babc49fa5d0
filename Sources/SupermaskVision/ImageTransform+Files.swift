import SupermaskCore

extension ImageTransform {
    /// Decodes the image file at `path` and writes its normalised crop to `output`, checking `limits` from the
    /// header before any pixel is decoded: the pixel count, then the size the resize would make (or the exact size
    /// a transform without a resize needs). Returns the warnings to show (an image above the warning level);
    /// errors name the file.
    public func preprocess(
        imageAt path: String, limits: ImageLimits, into output: UnsafeMutableBufferPointer<Float>
    ) throws -> [String] {
        do {
            return try RegularFile.withMapped(path) { try preprocess($0, limits: limits, into: output) }
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
    }

    /// `preprocess(imageAt:limits:into:)` for the bytes of an image file.
    public func preprocess(
        _ bytes: [UInt8], limits: ImageLimits, into output: UnsafeMutableBufferPointer<Float>
    ) throws -> [String] {
        try bytes.withUnsafeBytes { try preprocess($0, limits: limits, into: output) }
    }

    /// `preprocess(imageAt:limits:into:)` for the bytes of an image file in memory that is not an array.
    public func preprocess(
        _ bytes: UnsafeRawBufferPointer, limits: ImageLimits, into output: UnsafeMutableBufferPointer<Float>
    ) throws -> [String] {
        var warnings: [String] = []
        let image = try ImageDecoder.decode(bytes, limits: limits) { header in
            try checkImageSize(width: header.width, height: header.height, limits: limits)
            if let warning = limits.warning(width: header.width, height: header.height) { warnings.append(warning) }
        }
        try apply(to: image, limits: limits, into: output)
        return warnings
    }
}
