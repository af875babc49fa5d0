import SupermaskCore

/// Appends little-endian values to a byte array (the container's only byte order).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Float) { append(value.bitPattern) }
    mutating func append(_ value: Double) { append(value.bitPattern) }
    mutating func append(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    /// A UTF-8 string as a u32 byte count and the bytes.
    mutating func append(_ text: String) {
        let utf8 = Array(text.utf8)
        append(UInt32(utf8.count))
        append(bytes: utf8)
    }

    /// A byte block as a u64 length and the bytes.
    mutating func appendBlock(_ block: [UInt8]) {
        append(UInt64(block.count))
        append(bytes: block)
    }

    /// Float32 values, four bytes each.
    mutating func append(floats: [Float]) {
        bytes.reserveCapacity(bytes.count + 4 * floats.count)
        for value in floats { append(value.bitPattern) }
    }
}

/// Reads little-endian values from a slice, checking every length against what is left before trusting it.
///
/// Errors say what was being read; the container reader adds which section and layer.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - position }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw SupermaskError("truncated in \(what())") }
        var value: T = 0
        for offset in 0..<size { value |= T(bytes[position + offset]) << (8 * offset) }
        position += size
        return value
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// `count` raw bytes, after checking that many are left.
    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw SupermaskError("\(what()) claims \(count) bytes but only \(remaining) remain")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    /// A u64-length-prefixed byte block.
    mutating func readBlock(_ what: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
        let length = try read(UInt64.self, "the length of \(what())")
        guard length <= UInt64(remaining) else {
            throw SupermaskError("\(what()) claims \(length) bytes but only \(remaining) remain")
        }
        return try readBytes(Int(length), what())
    }

    /// A u32-length-prefixed UTF-8 string.
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let length = try read(UInt32.self, "the length of \(what())")
        guard let text = String(validating: try readBytes(Int(length), what()), as: UTF8.self) else {
            throw SupermaskError("\(what()) is not valid UTF-8")
        }
        return text
    }

    /// `count` float32 values.
    mutating func readFloats(_ count: Int, _ what: @autoclosure () -> String) throws -> [Float] {
        guard count >= 0, count <= remaining / 4 else {
            throw SupermaskError("\(what()) needs \(count) float32 values but only \(remaining) bytes remain")
        }
        let slice = try readBytes(4 * count, what())
        return slice.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// The `count` bytes from `start`, which have already been read.
    func consumed(from start: Int, count: Int) -> ArraySlice<UInt8> {
        bytes[start..<start + count]
    }

    /// Throws unless every byte has been read.
    func expectEnd(_ what: @autoclosure () -> String) throws {
        guard remaining == 0 else { throw SupermaskError("\(remaining) unexpected bytes after \(what())") }
    }
}
