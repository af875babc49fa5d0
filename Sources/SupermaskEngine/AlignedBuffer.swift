/// Memory for the planned engine, aligned to 64 bytes (a cache line and one AVX-512 register).
///
/// Swift arrays are only 16-byte aligned, and an AVX-512 kernel streaming misaligned data runs about half as
/// fast, so every buffer the kernels touch is one of these. Only trivial element types (Float, Int32) are used.
final class AlignedBuffer<Element>: @unchecked Sendable {
    /// The first element; valid for `count` elements for the buffer's lifetime.
    let pointer: UnsafeMutablePointer<Element>
    /// The number of elements.
    let count: Int

    /// A buffer of `count` copies of `value`.
    init(repeating value: Element, count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, count) * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: max(1, count))
        pointer.initialize(repeating: value, count: count)
    }

    /// A buffer holding a copy of `elements`.
    init(_ elements: [Element]) {
        count = elements.count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, count) * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: max(1, count))
        elements.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: count) }
        }
    }

    deinit {
        pointer.deinitialize(count: count)
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
