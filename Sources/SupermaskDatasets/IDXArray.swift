import Foundation
import SupermaskCore

/// An array of unsigned bytes in the IDX format of MNIST (LeCun et al., "THE MNIST DATABASE", file formats).
///
/// The file is a 4-byte magic number — two zero bytes, the element type (0x08 for unsigned byte) and the number of
/// dimensions — then each dimension as a big-endian 32-bit integer, then the elements in row-major order.
/// MNIST's image files have magic 0x00000803 ([count, rows, columns]) and its label files 0x00000801 ([count]).
public struct IDXArray: Sendable, Equatable {
    /// The element type code of unsigned bytes, the only type MNIST uses.
    public static let unsignedByteType: UInt8 = 0x08
    /// The most elements a file may hold unless the reader allows more: 256 MiB, 3,400 times MNIST's test images.
    public static let defaultMaxElements = 1 << 28

    /// The extent of each dimension, outermost first.
    public var dimensions: [Int]
    /// The elements in row-major order; `elements.count == dimensions.reduce(1, *)`.
    public var elements: [UInt8]

    /// What an IDX file's header says: known from its first `4 + 4 · rank` bytes.
    public struct Header: Sendable, Equatable {
        /// The extent of each dimension, outermost first.
        public var dimensions: [Int]
        /// Their product.
        public var elementCount: Int
        /// The bytes of the header: `4 + 4 · rank`.
        public var byteCount: Int
    }

    /// An array with the given dimensions; `elements.count` must be their product.
    public init(dimensions: [Int], elements: [UInt8]) {
        precondition(dimensions.reduce(1, *) == elements.count, "IDXArray: \(elements.count) elements for dimensions \(dimensions)")
        self.dimensions = dimensions
        self.elements = elements
    }

    /// Parses the header at the start of `bytes`; throws when it is malformed, cut short, or its dimensions hold
    /// more than `maxElements` elements.
    public static func header(of bytes: [UInt8], maxElements: Int = defaultMaxElements) throws -> Header {
        guard bytes.count >= 4 else { throw SupermaskError("truncated IDX file: \(bytes.count) bytes, shorter than its 4-byte magic number") }
        let magic = bytes.prefix(4).map { String(format: "%02x", $0) }.joined()
        guard bytes[0] == 0, bytes[1] == 0 else { throw SupermaskError("not an IDX file (magic number 0x\(magic) does not start with two zero bytes)") }
        guard bytes[2] == Self.unsignedByteType else {
            throw SupermaskError("IDX element type 0x\(String(format: "%02x", bytes[2])) is not unsigned byte (0x08), the only type supported")
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw SupermaskError("IDX file with magic 0x\(magic) has no dimensions") }
        let byteCount = 4 + 4 * rank
        guard bytes.count >= byteCount else {
            throw SupermaskError("truncated IDX file: \(bytes.count) bytes, shorter than the header of \(rank) dimensions (\(byteCount) bytes)")
        }
        var dimensions: [Int] = []
        var count = 1
        for index in 0..<rank {
            let offset = 4 + 4 * index
            let extent = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            // A zero extent would make every other one free: 0 images of 4294967295 × 4294967295 pixels.
            guard extent > 0 else {
                throw SupermaskError("IDX dimensions \((dimensions + [extent]).shapeDescription)… hold no elements")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= maxElements else {
                throw SupermaskError("IDX dimensions \((dimensions + [extent]).shapeDescription)… hold more than the \(maxElements) elements supermask reads")
            }
            dimensions.append(extent)
            count = product
        }
        return Header(dimensions: dimensions, elementCount: count, byteCount: byteCount)
    }

    /// Parses an uncompressed IDX file of unsigned bytes; throws a `SupermaskError` on anything malformed.
    public init(parsing bytes: [UInt8], maxElements: Int = defaultMaxElements) throws {
        let header = try Self.header(of: bytes, maxElements: maxElements)
        let count = header.elementCount
        let available = bytes.count - header.byteCount
        guard available >= count else {
            throw SupermaskError("truncated IDX file: dimensions \(header.dimensions.shapeDescription) need \(count) bytes of data, the file has \(available)")
        }
        guard available == count else {
            throw SupermaskError("IDX file has \(available - count) bytes after the \(count) its dimensions \(header.dimensions.shapeDescription) describe")
        }
        dimensions = header.dimensions
        elements = Array(bytes[header.byteCount...])
    }

    /// Reads the IDX file at `path`, gzip-compressed (as MNIST is distributed) or not; errors name the file.
    ///
    /// The header is read first and handed to `checkHeader`, which may refuse it; only then is the rest
    /// decompressed, and never beyond the size the header promises, so a file cannot make the reader allocate
    /// more than `maxElements` bytes or more than it declared.
    public static func load(
        path: String, maxElements: Int = defaultMaxElements, checkHeader: (Header) throws -> Void = { _ in }
    ) throws -> IDXArray {
        do {
            let bytes = try readFile(path, maxBytes: maxElements)
            guard Gzip.hasMagic(bytes) else {
                try checkHeader(try header(of: bytes, maxElements: maxElements))
                return try IDXArray(parsing: bytes, maxElements: maxElements)
            }
            let magic = try Gzip.decompressedPrefix(bytes, count: 4)
            let rank = magic.count == 4 ? Int(magic[3]) : 0
            let header = try header(of: try Gzip.decompressedPrefix(bytes, count: 4 + 4 * rank), maxElements: maxElements)
            try checkHeader(header)
            return try IDXArray(parsing: Gzip.decompress(bytes, limit: header.byteCount + header.elementCount), maxElements: maxElements)
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
    }

    /// The bytes of a regular file no larger than an IDX file of `maxBytes` elements can be, compressed or not.
    private static func readFile(_ path: String, maxBytes: Int) throws -> [UInt8] {
        // Deflate's stored blocks add 5 bytes per 65,535 and gzip 18 per member: 1/1024 more is ample.
        let largest = maxBytes + maxBytes / 1024 + 4096
        return try RegularFile.read(path, limit: largest, what: "an IDX file of at most \(maxBytes) elements")
    }
}
