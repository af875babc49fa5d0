import Foundation
import SupermaskCore

/// The child process's side of the state-dict stream (the format: `StateDictStream`): writes each attribute and
/// tensor to a file descriptor as the reader finds it, each tensor's values straight from the buffer libhdf5 read
/// them into: one buffer, reused, so that the child's memory is its largest tensor and no more.
final class StateDictStreamWriter: StateDictSink {
    /// Writing to the descriptor failed: the parent has gone, or stopped reading.
    struct WriteFailure: Error {}

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var attributeCount: UInt32 = 0
    private var tensorCount: UInt32 = 0
    private var scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    deinit { scratch.deallocate() }

    func writeHeader() {
        buffer += StateDictStream.magic
        append(StateDictStream.version)
    }

    func attribute(_ name: String, _ value: MetadataValue) throws {
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

    func tensor(_ name: String, shape: [Int], elementType: HDF5ElementType, values: FloatValues?) throws {
        buffer.append(StateDictStream.Tag.tensor.rawValue)
        appendBytes(name)
        buffer.append(StateDictStream.ElementClass(elementType).rawValue)
        append(UInt32(elementType.bytes))
        append(UInt32(shape.count))
        for dimension in shape { append(UInt64(dimension)) }
        tensorCount += 1
        guard let values else { return try flushIfFull() }
        try flush()
        if scratch.count < values.count {
            scratch.deallocate()
            scratch = .allocate(capacity: values.count)
        }
        let floats = UnsafeMutableBufferPointer(rebasing: scratch[..<values.count])
        try values.read(into: floats)
        try write(UnsafeRawBufferPointer(floats))
    }

    /// Ends the stream with a refusal: what the reader found wrong with the file.
    func writeRefusal(_ message: String) throws {
        buffer.append(StateDictStream.Tag.refusal.rawValue)
        appendBytes(HDF5Limits.prefix(message, limit: HDF5Limits.maxMessageBytes))
        try flush()
    }

    /// Ends the stream after the last tensor.
    func writeEnd() throws {
        buffer.append(StateDictStream.Tag.end.rawValue)
        append(attributeCount)
        append(tensorCount)
        try flush()
    }

    private func append<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value) { buffer += $0 }
    }

    /// A length (u32) and the UTF-8 bytes of `text`.
    private func appendBytes(_ text: String) {
        append(UInt32(text.utf8.count))
        buffer += text.utf8
    }

    private func flushIfFull() throws {
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws {
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
