import Foundation

/// Reads and writes NumPy `.npy` files (format versions 1–3, little-endian, C order).
///
/// Input may be `<f4` or `<f8` (converted to float32); output is always `<f4`, version 1.
/// Spec: numpy.lib.format ("A Simple File Format for NumPy Arrays").
public enum NPY {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The array in the file at `path` as a float32 tensor.
    public static func read(contentsOf path: String) throws -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SupermaskError(file: path, "cannot read the file (missing or unreadable)")
        }
        do {
            return try parse([UInt8](data))
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
    }

    /// Parses the bytes of an `.npy` file.
    public static func parse(_ bytes: [UInt8]) throws -> Tensor {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw SupermaskError("not an .npy file (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw SupermaskError("truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw SupermaskError("unsupported .npy format version \(major).\(bytes[7])")
        }
        guard headerStart + headerLength <= bytes.count else { throw SupermaskError("truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        let (descr, fortranOrder, shape) = try parseHeader(header)
        guard !fortranOrder else {
            throw SupermaskError("array is in Fortran order; save it C-contiguous (np.ascontiguousarray)")
        }
        let itemSize: Int
        switch descr {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        default:
            throw SupermaskError("array dtype is '\(descr)'; supermask reads little-endian float32 ('<f4') or float64 ('<f8')")
        }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard extent >= 0, !overflow, !product.multipliedReportingOverflow(by: itemSize).overflow else {
                throw SupermaskError("array shape \(shape.shapeDescription) is negative or too large")
            }
            count = product
        }
        let dataStart = headerStart + headerLength
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

    /// Writes `tensor` as a version-1 `<f4` `.npy` file.
    public static func write(_ tensor: Tensor, to path: String) throws {
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
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw SupermaskError(file: path, "cannot write the file")
        }
    }

    /// Extracts `descr`, `fortran_order` and `shape` from the header's Python dict literal.
    private static func parseHeader(_ header: String) throws -> (String, Bool, [Int]) {
        func value(of key: String) throws -> Substring {
            guard let keyRange = header.range(of: "'\(key)'"),
                  let colon = header[keyRange.upperBound...].firstIndex(of: ":")
            else { throw SupermaskError("malformed .npy header: no '\(key)'") }
            return header[header.index(after: colon)...].drop { $0 == " " }
        }
        let descrText = try value(of: "descr")
        guard descrText.first == "'", let close = descrText.dropFirst().firstIndex(of: "'") else {
            throw SupermaskError("malformed .npy header: descr is not a simple dtype string")
        }
        let descr = String(descrText[descrText.index(after: descrText.startIndex)..<close])
        let fortran = try value(of: "fortran_order").hasPrefix("True")
        let shapeText = try value(of: "shape")
        guard shapeText.first == "(", let end = shapeText.firstIndex(of: ")") else {
            throw SupermaskError("malformed .npy header: shape is not a tuple")
        }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex)..<end].split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let extent = Int(trimmed) else { throw SupermaskError("malformed .npy header: shape entry '\(trimmed)'") }
            shape.append(extent)
        }
        return (descr, fortran, shape)
    }
}
