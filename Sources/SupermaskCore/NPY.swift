import Foundation

/// Reads and writes NumPy `.npy` files (format versions 1–3, little-endian, C order).
///
/// Input may be `<f4` or `<f8` (converted to float32); output is always `<f4`, version 1.
/// Spec: numpy.lib.format ("A Simple File Format for NumPy Arrays"). The header is parsed strictly (`NPYHeader`):
/// a file that numpy would read as another array, or not at all, is refused rather than guessed at.
public enum NPY {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The most elements an array may hold unless the caller says otherwise: the per-batch activation bound, since
    /// every array supermask reads is an input batch.
    public static let defaultMaximumElementCount = ModelLimits.standard.batchActivations

    /// The array in the file at `path` as a float32 tensor, refusing one of more than `maximumElementCount` elements
    /// before reading its data.
    public static func read(contentsOf path: String, maximumElementCount: Int = defaultMaximumElementCount) throws -> Tensor {
        let (handle, _) = try RegularFile.handle(path)
        do {
            // The header first, so that the data is read only once its size is known to be acceptable.
            var bytes = try readBytes(handle, upTo: 12 + NPYHeader.maximumLength, path: path)
            let layout = try Layout(bytes, maximumElementCount: maximumElementCount)
            if bytes.count < layout.end {
                bytes += try readBytes(handle, upTo: layout.end - bytes.count, path: path)
            }
            return try layout.tensor(from: bytes)
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
    }

    /// Parses the bytes of an `.npy` file, refusing an array of more than `maximumElementCount` elements.
    public static func parse(_ bytes: [UInt8], maximumElementCount: Int = defaultMaximumElementCount) throws -> Tensor {
        try Layout(bytes, maximumElementCount: maximumElementCount).tensor(from: bytes)
    }

    private static func readBytes(_ handle: FileHandle, upTo count: Int, path: String) throws -> [UInt8] {
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw SupermaskError(file: path, "cannot read the file (\(error.localizedDescription))")
        }
    }

    /// Where an array's data lies in the file and how to read it, from the magic, version and header.
    private struct Layout {
        let shape: [Int]
        let count: Int
        let itemSize: Int
        let dataStart: Int

        /// The byte after the data.
        var end: Int { dataStart + count * itemSize }

        /// Reads the layout from the start of a file (`bytes` may stop anywhere after the header).
        init(_ bytes: [UInt8], maximumElementCount: Int) throws {
            guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
                throw SupermaskError("not an .npy file (no \\x93NUMPY magic)")
            }
            let (major, minor) = (bytes[6], bytes[7])
            let headerLength: Int
            switch (major, minor) {
            case (1, 0):
                headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
                dataStart = 10 + headerLength
            case (2, 0), (3, 0):
                guard bytes.count >= 12 else { throw SupermaskError("truncated .npy header") }
                headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
                dataStart = 12 + headerLength
            default:
                throw SupermaskError("unsupported .npy format version \(major).\(minor)")
            }
            guard headerLength <= NPYHeader.maximumLength else {
                throw SupermaskError("the .npy header claims \(headerLength) bytes, more than numpy's limit of \(NPYHeader.maximumLength)")
            }
            guard dataStart <= bytes.count else { throw SupermaskError("truncated .npy header") }
            let header = try NPYHeader(parsing: Array(bytes[(dataStart - headerLength)..<dataStart]))
            guard !header.fortranOrder else {
                throw SupermaskError("array is in Fortran order; save it C-contiguous (np.ascontiguousarray)")
            }
            switch header.descr {
            case "<f4": itemSize = 4
            case "<f8": itemSize = 8
            default:
                throw SupermaskError("array dtype is '\(header.descr.escapedForDisplay())'; supermask reads little-endian float32 ('<f4') or float64 ('<f8')")
            }
            guard let count = header.shape.checkedProduct, !count.multipliedReportingOverflow(by: itemSize).overflow else {
                throw SupermaskError("array shape \(header.shape.shapeDescription) is negative or too large")
            }
            guard count <= maximumElementCount else {
                throw SupermaskError("array shape \(header.shape.shapeDescription) holds \(count) elements, more than the \(maximumElementCount) supermask accepts (--max-batch-activations raises the limit)")
            }
            shape = header.shape
            self.count = count
        }

        /// The array's elements as float32, from the whole file's bytes (or at least up to `end`).
        func tensor(from bytes: [UInt8]) throws -> Tensor {
            let available = bytes.count - dataStart
            guard available >= count * itemSize else {
                throw SupermaskError("truncated: shape \(shape.shapeDescription) needs \(count * itemSize) data bytes, the file has \(available)")
            }
            var scalars = [Float](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                for index in 0..<count {
                    let offset = dataStart + index * itemSize
                    if itemSize == 4 {
                        scalars[index] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                    } else {
                        scalars[index] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
                    }
                }
            }
            return Tensor(shape: shape, scalars: scalars)
        }
    }

    /// Writes `tensor` as a version-1 `<f4` `.npy` file.
    public static func write(_ tensor: Tensor, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(encoded(tensor))) else {
            throw SupermaskError(file: path, "cannot write the file")
        }
    }

    /// The bytes of `tensor` as a version-1 `<f4` `.npy` file.
    public static func encoded(_ tensor: Tensor) -> [UInt8] {
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes = magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + 4 * tensor.count)
        for value in tensor.scalars {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
        }
        return bytes
    }
}
