/// How far a download is, as reported while it runs.
public struct DownloadProgress: Sendable, Equatable {
    /// Bytes in the `.part` file, including those kept from an earlier attempt.
    public var bytes: Int
    /// The whole file's size, when the server or the registry says it.
    public var total: Int?
    /// Bytes received in this attempt (for the rate).
    public var receivedNow: Int
    /// Seconds since this attempt started.
    public var seconds: Double
    /// Whether the transfer is finished.
    public var isComplete: Bool

    public init(bytes: Int, total: Int?, receivedNow: Int, seconds: Double, isComplete: Bool) {
        self.bytes = bytes
        self.total = total
        self.receivedNow = receivedNow
        self.seconds = seconds
        self.isComplete = isComplete
    }

    /// Bytes per second in this attempt.
    public var bytesPerSecond: Double { seconds > 0 ? Double(receivedNow) / seconds : 0 }

    /// Seconds until done at the current rate, when the total is known.
    public var secondsLeft: Double? {
        guard let total, bytesPerSecond > 0 else { return nil }
        return Double(max(total - bytes, 0)) / bytesPerSecond
    }
}
