import SupermaskCore

/// Greyscale images with one class label each, as MNIST's IDX files hold them: an images file of
/// [count, rows, columns] bytes and a labels file of [count] bytes.
public struct LabelledImages: Sendable {
    /// Image height in pixels.
    public var rows: Int
    /// Image width in pixels.
    public var columns: Int
    /// Every image's pixels, image after image, each row-major; 0 is black, 255 white.
    public var pixels: [UInt8]
    /// Each image's class, in `0..<classCount`.
    public var labels: [UInt8]

    /// The number of images.
    public var count: Int { labels.count }

    /// Images and labels that must agree in count, with every label below `classCount`.
    public init(images: IDXArray, labels: IDXArray, classCount: Int) throws {
        try Self.checkImagesShape(images.dimensions)
        try Self.checkLabelsShape(labels.dimensions)
        try Self.checkLabels(labels, classCount: classCount)
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw SupermaskError("\(labels.dimensions[0]) labels for \(images.dimensions[0]) images")
        }
        rows = images.dimensions[1]
        columns = images.dimensions[2]
        pixels = images.elements
        self.labels = labels.elements
    }

    /// Reads the images and labels files (gzip-compressed or not); errors name the file at fault.
    ///
    /// Both headers are checked before the data behind them is decompressed: the images file's by `checkImages`
    /// (given the count, rows and columns; a caller refuses sizes its models cannot take there), the labels file's
    /// count against the images'.
    public static func load(
        images imagesPath: String, labels labelsPath: String, classCount: Int,
        checkImages: (_ count: Int, _ rows: Int, _ columns: Int) throws -> Void = { _, _, _ in }
    ) throws -> LabelledImages {
        let images = try IDXArray.load(path: imagesPath) { header in
            try checkImagesShape(header.dimensions)
            try checkImages(header.dimensions[0], header.dimensions[1], header.dimensions[2])
        }
        let count = images.dimensions[0]
        // The labels are one byte per image: a file promising more is refused from its header.
        let labels = try IDXArray.load(path: labelsPath, maxElements: max(count, 1)) { header in
            try checkLabelsShape(header.dimensions)
            guard header.dimensions[0] == count else { throw SupermaskError("\(header.dimensions[0]) labels for \(count) images") }
        }
        do {
            return try LabelledImages(images: images, labels: labels, classCount: classCount)
        } catch let error as SupermaskError {
            throw error.inFile(labelsPath)
        }
    }

    private static func checkImagesShape(_ dimensions: [Int]) throws {
        guard dimensions.count == 3 else {
            throw SupermaskError("an images file has 3 dimensions [count, rows, columns] (magic 0x00000803), this one \(dimensions.shapeDescription)")
        }
    }

    private static func checkLabelsShape(_ dimensions: [Int]) throws {
        guard dimensions.count == 1 else {
            throw SupermaskError("a labels file has 1 dimension [count] (magic 0x00000801), this one \(dimensions.shapeDescription)")
        }
    }

    private static func checkLabels(_ labels: IDXArray, classCount: Int) throws {
        if let index = labels.elements.firstIndex(where: { Int($0) >= classCount }) {
            throw SupermaskError("label \(labels.elements[index]) of image \(index) is outside 0…\(classCount - 1)")
        }
    }
}
