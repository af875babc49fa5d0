import Foundation
import SupermaskCore

/// The child process's side of the state-dict stream (the format: `StateDictStream`): writes each attribute and
/// tensor to a file descriptor as the reader finds it, tensors' values straight from their arrays.
struct StateDictStreamWriter: StateDictSink {
    /// Writing to the descriptor failed: the parent has gone, or stopped reading.
    struct WriteFailure: Error {}

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var attributeCount: UInt32 = 0
    private var tensorCount: UInt32 = 0

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    mutating func writeHeader() {
        buffer += StateDictStream.magic
        append(StateDictStream.version)
    }

    mutating func attribute(_ name: String, _ value: MetadataValue) throws {
        buffer.append(StateDictStream.Tag.attribute.rawValue)
        appendBytes(name)
        switch value {
        case .integer(let integer):
            buffer.append(StateDictStream.ValueKind.integer.rawValue)
            append(integer)
        case .real(let real):
            buffer.append(StateDictStream.ValueKind.real.rawValue)
            append(real.bitPattern)
        case .text(let text):
            buffer.append(StateDictStream.ValueKind.text.rawValue)
            appendBytes(text)
        }
        attributeCount += 1
        try flushIfFull()
    }

    mutating func tensor(_ name: String, shape: [Int], elementType: HDF5ElementType, floats: [Float]?) throws {
        buffer.append(StateDictStream.Tag.tensor.rawValue)
        appendBytes(name)
        buffer.append(StateDictStream.ElementClass(elementType).rawValue)
        append(UInt32(elementType.bytes))
        append(UInt32(shape.count))
        for dimension in shape { append(UInt64(dimension)) }
        tensorCount += 1
        if let floats {
            try flush()
            try floats.withUnsafeBytes { try write($0) }
        } else {
            try flushIfFull()
        }
    }

    /// Ends the stream with a refusal: what the reader found wrong with the file.
    mutating func writeRefusal(_ message: String) throws {
        buffer.append(StateDictStream.Tag.refusal.rawValue)
        appendBytes(String(decoding: message.utf8.prefix(HDF5Limits.maxMessageBytes), as: UTF8.self))
        try flush()
    }

    /// Ends the stream after the last tensor.
    mutating func writeEnd() throws {
        buffer.append(StateDictStream.Tag.end.rawValue)
        append(attributeCount)
        append(tensorCount)
        try flush()
    }

    private mutating func append<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value) { buffer += $0 }
    }

    /// A length (u32) and the UTF-8 bytes of `text`.
    private mutating func appendBytes(_ text: String) {
        append(UInt32(text.utf8.count))
        buffer += text.utf8
    }

    private mutating func flushIfFull() throws {
        if buffer.count >= 1 << 16 { try flush() }
    }

    mutating func flush() throws {
        try buffer.withUnsafeBytes { try write($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes`, resuming after partial writes and interrupted calls.
    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let start = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, start + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw WriteFailure() }
            offset += written
        }
    }
}
