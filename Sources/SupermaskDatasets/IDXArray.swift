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

    /// The extent of each dimension, outermost first.
    public var dimensions: [Int]
    /// The elements in row-major order; `elements.count == dimensions.reduce(1, *)`.
    public var elements: [UInt8]

    /// An array with the given dimensions; `elements.count` must be their product.
    public init(dimensions: [Int], elements: [UInt8]) {
        precondition(dimensions.reduce(1, *) == elements.count, "IDXArray: \(elements.count) elements for dimensions \(dimensions)")
        self.dimensions = dimensions
        self.elements = elements
    }

    /// Parses an uncompressed IDX file of unsigned bytes; throws a `SupermaskError` on anything malformed.
    public init(parsing bytes: [UInt8]) throws {
        guard bytes.count >= 4 else { throw SupermaskError("truncated IDX file: \(bytes.count) bytes, shorter than its 4-byte magic number") }
        let magic = bytes.prefix(4).map { String(format: "%02x", $0) }.joined()
        guard bytes[0] == 0, bytes[1] == 0 else { throw SupermaskError("not an IDX file (magic number 0x\(magic) does not start with two zero bytes)") }
        guard bytes[2] == Self.unsignedByteType else {
            throw SupermaskError("IDX element type 0x\(String(format: "%02x", bytes[2])) is not unsigned byte (0x08), the only type supported")
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw SupermaskError("IDX file with magic 0x\(magic) has no dimensions") }
        let headerBytes = 4 + 4 * rank
        guard bytes.count >= headerBytes else {
            throw SupermaskError("truncated IDX file: \(bytes.count) bytes, shorter than the header of \(rank) dimensions (\(headerBytes) bytes)")
        }
        var dimensions: [Int] = []
        var count = 1
        for index in 0..<rank {
            let offset = 4 + 4 * index
            let extent = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= Int(Int32.max) else { throw SupermaskError("IDX dimensions \(dimensions + [extent]) hold too many elements") }
            dimensions.append(extent)
            count = product
        }
        let available = bytes.count - headerBytes
        guard available >= count else {
            throw SupermaskError("truncated IDX file: dimensions \(dimensions.shapeDescription) need \(count) bytes of data, the file has \(available)")
        }
        guard available == count else {
            throw SupermaskError("IDX file has \(available - count) bytes after the \(count) its dimensions \(dimensions.shapeDescription) describe")
        }
        self.dimensions = dimensions
        elements = Array(bytes[headerBytes...])
    }

    /// Reads the IDX file at `path`, gzip-compressed (as MNIST is distributed) or not; errors name the file.
    public static func load(path: String) throws -> IDXArray {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SupermaskError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        do {
            let bytes = [UInt8](data)
            return try IDXArray(parsing: Gzip.hasMagic(bytes) ? Gzip.decompress(bytes) : bytes)
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
    }
}
