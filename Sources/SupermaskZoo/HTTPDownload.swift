import Foundation
import SupermaskCore

/// Downloads one URL into a `.part` file over HTTP(S) with libcurl, resuming what an earlier attempt left there
/// with a `Range` request.
///
/// A server that answers `206` continues the file; one that ignores the range and answers `200` gets the file
/// written again from its first byte; `416` means the `.part` already holds the whole file (or something longer,
/// which is discarded and fetched again). The `.part` survives only failures that a second attempt can continue
/// from: a dropped connection, a timeout, a server error (5xx). Anything else removes it.
///
/// No download grows past its cap: the registry's size when it has one, else `maxBytes`. A server announcing more
/// is refused before any byte is written; one that keeps sending past the cap (an endless `200` without a length)
/// is cut off there and its `.part` removed.
public struct HTTPDownload: Sendable {
    /// The cap when the registry gives no size: 2 GiB, over twice the largest release (WideResNet-50-2: 68.8 million
    /// conv weights, so about 0.55 GB of float32 weights and scores, 0.83 GB with SGD momentum).
    public static let defaultMaxBytes = 2 << 30

    /// What to fetch.
    public var url: URL
    /// Where the bytes go while they arrive.
    public var partPath: String
    /// The size the registry promises, if it knows one; a server offering another size is refused.
    public var expectedSize: Int?
    /// The path errors name (the file the download becomes).
    public var label: String
    /// The most bytes a download may have when the registry gives no size.
    public var maxBytes = HTTPDownload.defaultMaxBytes
    /// Seconds without any data before the transfer counts as dropped.
    public var idleTimeout: TimeInterval = 60

    /// The most bytes this download may have: the registry's size, else `maxBytes`.
    var cap: Int { expectedSize ?? maxBytes }

    /// How a finished download went.
    public struct Result: Sendable, Equatable {
        /// Bytes in the `.part` file, now complete.
        public var size: Int
        /// Bytes an earlier attempt had left and this one continued from (0 when it started afresh).
        public var resumedFrom: Int
        /// Whether the server ignored the `Range` request, so the file was fetched again from the start.
        public var restarted: Bool
    }

    public init(url: URL, partPath: String, expectedSize: Int?, label: String) {
        self.url = url
        self.partPath = partPath
        self.expectedSize = expectedSize
        self.label = label
    }

    /// Downloads until the `.part` holds the whole file, calling `progress` (on another thread) as bytes arrive.
    public func run(progress: @escaping @Sendable (DownloadProgress) -> Void) throws -> Result {
        var discardedOnce = false
        while true {
            let existing = Self.fileSize(partPath) ?? 0
            if let expectedSize, existing == expectedSize {
                return Result(size: existing, resumedFrom: existing, restarted: false)
            }
            if existing > cap {
                try? FileManager.default.removeItem(atPath: partPath)
                continue
            }
            let transfer = HTTPTransfer(download: self, start: existing, progress: progress)
            switch try transfer.run() {
            case .complete(let result):
                return result
            case .rangeNotSatisfiable(let total):
                if total == existing { return Result(size: existing, resumedFrom: existing, restarted: false) }
                // The .part is not a prefix of the file the server has now: start again, once.
                guard !discardedOnce else {
                    throw SupermaskError(file: label, "the server refuses the range request for \(url.absoluteString.escapedForDisplay()) even from byte 0")
                }
                discardedOnce = true
                try? FileManager.default.removeItem(atPath: partPath)
            }
        }
    }

    static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }
}
