import Foundation

/// The read end of a child process's output pipe, read against a deadline: every read waits in `poll` for at most
/// the time left, so a child that stops writing cannot hold the parent past it.
final class ChildOutput {
    /// Why reading stopped short.
    enum Failure: Error {
        /// The stream ended early, broke the format or exceeded a limit.
        case malformed
        /// The deadline passed before the bytes arrived.
        case timedOut
    }

    private let descriptor: Int32
    private let deadline: ContinuousClock.Instant
    private static let capacity = 1 << 16
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: ChildOutput.capacity, alignment: 16)
    private var start = 0
    private var end = 0

    init(descriptor: Int32, deadline: ContinuousClock.Instant) {
        self.descriptor = descriptor
        self.deadline = deadline
    }

    deinit { buffer.deallocate() }

    /// Fills `destination` exactly; large reads go straight into it rather than through the buffer.
    func read(into destination: UnsafeMutableRawBufferPointer) throws {
        guard let target = destination.baseAddress else { return }
        var filled = 0
        while filled < destination.count {
            if start == end {
                if destination.count - filled >= Self.capacity {
                    filled += try readAvailable(into: target + filled, count: destination.count - filled)
                    continue
                }
                start = 0
                end = try readAvailable(into: buffer, count: Self.capacity)
            }
            let copied = min(end - start, destination.count - filled)
            (target + filled).copyMemory(from: buffer + start, byteCount: copied)
            start += copied
            filled += copied
        }
    }

    /// Reads one value of a fixed-width integer type, in the machine's byte order.
    func read<Integer: FixedWidthInteger>(_: Integer.Type) throws -> Integer {
        var value = Integer.zero
        try withUnsafeMutableBytes(of: &value) { try read(into: $0) }
        return value
    }

    /// Whether the stream has ended: `false` if any byte follows (a child that writes more than it announced).
    func isAtEnd() throws -> Bool {
        guard start == end else { return false }
        start = 0
        end = try readAvailable(into: buffer, count: Self.capacity, endIsAllowed: true)
        return end == 0
    }

    /// Waits for data until the deadline, then reads up to `count` bytes; returns how many: more than 0, or 0 at the
    /// end of the stream when `endIsAllowed`.
    private func readAvailable(into target: UnsafeMutableRawPointer, count: Int, endIsAllowed: Bool = false) throws -> Int {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw Failure.timedOut }
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, Self.milliseconds(remaining))
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else { throw Failure.malformed }
            if ready == 0 { continue }
            let received = Foundation.read(descriptor, target, count)
            if received < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard received >= 0 else { throw Failure.malformed }
            guard received > 0 || endIsAllowed else { throw Failure.malformed }
            return received
        }
    }

    /// `duration` rounded up to whole milliseconds, as `poll` takes it.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64(Int32.max / 1000) else { return Int32.max }
        return Int32(seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }
}
