import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SupermaskCore

/// Downloads one URL into a `.part` file over HTTP(S) with URLSession (libcurl on Linux), resuming what an
/// earlier attempt left there with a `Range` request.
///
/// A server that answers `206` continues the file; one that ignores the range and answers `200` gets the file
/// written again from its first byte; `416` means the `.part` already holds the whole file (or something longer,
/// which is discarded and fetched again). The `.part` survives only failures that a second attempt can continue
/// from: a dropped connection, a timeout, a server error (5xx). Anything else removes it.
public struct HTTPDownload: Sendable {
    /// What to fetch.
    public var url: URL
    /// Where the bytes go while they arrive.
    public var partPath: String
    /// The size the registry promises, if it knows one; a server offering another size is refused.
    public var expectedSize: Int?
    /// The path errors name (the file the download becomes).
    public var label: String
    /// Seconds without any data before the transfer counts as dropped.
    public var idleTimeout: TimeInterval = 60

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
            if let expectedSize, existing > expectedSize {
                try? FileManager.default.removeItem(atPath: partPath)
                continue
            }
            let transfer = Transfer(download: self, start: existing, progress: progress)
            switch try transfer.run() {
            case .complete(let result):
                return result
            case .rangeNotSatisfiable(let total):
                if total == existing { return Result(size: existing, resumedFrom: existing, restarted: false) }
                // The .part is not a prefix of the file the server has now: start again, once.
                guard !discardedOnce else {
                    throw SupermaskError(file: label, "the server refuses the range request for \(url.absoluteString) even from byte 0")
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

/// One HTTP request and its response body, driven by URLSession's delegate callbacks on a serial queue; `run`
/// blocks until the task completes.
private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Outcome {
        case complete(HTTPDownload.Result)
        case rangeNotSatisfiable(total: Int?)
    }

    /// Why the transfer stopped early, and whether the `.part` is worth keeping for a later resume.
    private struct Failure {
        var error: SupermaskError
        var keepsPart: Bool
    }

    private let download: HTTPDownload
    private let start: Int
    private let progress: @Sendable (DownloadProgress) -> Void
    private let finished = DispatchSemaphore(value: 0)
    private let began = Date()

    // Touched only by the delegate queue until `finished` is signalled, then only by `run`.
    private var handle: FileHandle?
    private var written: Int
    private var total: Int?
    private var resumedFrom = 0
    private var restarted = false
    private var failure: Failure?
    private var unsatisfiable: Int??
    private var lastReport = Date.distantPast

    init(download: HTTPDownload, start: Int, progress: @escaping @Sendable (DownloadProgress) -> Void) {
        self.download = download
        self.start = start
        self.written = start
        self.progress = progress
    }

    func run() throws -> Outcome {
        var request = URLRequest(url: download.url)
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if start > 0 { request.setValue("bytes=\(start)-", forHTTPHeaderField: "Range") }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = download.idleTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        session.dataTask(with: request).resume()
        finished.wait()
        session.finishTasksAndInvalidate()
        try? handle?.close()

        if let failure {
            if !failure.keepsPart { try? FileManager.default.removeItem(atPath: download.partPath) }
            throw failure.error
        }
        if let unsatisfiable { return .rangeNotSatisfiable(total: unsatisfiable) }
        return .complete(.init(size: written, resumedFrom: resumedFrom, restarted: restarted))
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        completionHandler(accept(response) ? .allow : .cancel)
    }

    /// Decides from the status and headers whether to take the body, and opens the `.part` accordingly.
    private func accept(_ response: URLResponse) -> Bool {
        guard let response = response as? HTTPURLResponse else {
            return fail("no HTTP response from \(download.url.absoluteString)", keepsPart: true)
        }
        let contentRange = header("Content-Range", of: response)
        switch response.statusCode {
        case 200:
            restarted = start > 0
            written = 0
            total = response.expectedContentLength >= 0 ? Int(response.expectedContentLength) : nil
        case 206:
            guard let range = contentRange.flatMap(ContentRange.init), range.first == start else {
                return fail("the server answered the range request with Content-Range '\(contentRange ?? "")', not from byte \(start)", keepsPart: false)
            }
            resumedFrom = start
            total = range.total
        case 416:
            unsatisfiable = .some(contentRange.flatMap(ContentRange.init)?.total)
            return false
        default:
            let reason = HTTPURLResponse.localizedString(forStatusCode: response.statusCode)
            // A server error may pass; anything else (404, 403, …) will not, so nothing is worth keeping.
            return fail("HTTP \(response.statusCode) (\(reason)) from \(download.url.absoluteString)", keepsPart: response.statusCode >= 500)
        }
        if let expected = download.expectedSize, let total, total != expected {
            return fail("the server's file is \(total) bytes, the registry says \(expected)", keepsPart: false)
        }
        total = total ?? download.expectedSize
        do {
            if written == 0 {
                guard FileManager.default.createFile(atPath: download.partPath, contents: nil) else {
                    return fail("cannot create \(download.partPath)", keepsPart: false)
                }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: download.partPath))
            try handle.seekToEnd()
            self.handle = handle
        } catch {
            return fail("cannot write \(download.partPath): \(error.localizedDescription)", keepsPart: false)
        }
        return true
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil, let handle else { return }
        if let total, written + data.count > total {
            fail("the server sent more than the \(total) bytes it announced", keepsPart: false)
            dataTask.cancel()
            return
        }
        do {
            try handle.write(contentsOf: data)
        } catch {
            fail("cannot write \(download.partPath): \(error.localizedDescription)", keepsPart: true)
            dataTask.cancel()
            return
        }
        written += data.count
        let now = Date()
        if now.timeIntervalSince(lastReport) >= 0.1 {
            lastReport = now
            report(complete: false)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        defer { finished.signal() }
        guard failure == nil, unsatisfiable == nil else { return }
        if handle == nil, let error {
            // No response at all: the host is unreachable, so an earlier .part is still good for later.
            fail("cannot download \(download.url.absoluteString): \(error.localizedDescription)", keepsPart: true)
            return
        }
        let short = total.map { written < $0 } ?? false
        if error != nil || short {
            let of = total.map { " of \($0)" } ?? ""
            let cause = error.map { " (\($0.localizedDescription))" } ?? ""
            fail("the connection dropped after \(written)\(of) bytes\(cause); run the same command again to resume from \(download.partPath)", keepsPart: written > 0)
            return
        }
        report(complete: true)
    }

    private func report(complete: Bool) {
        progress(DownloadProgress(
            bytes: written, total: total ?? download.expectedSize, receivedNow: written - resumedFrom,
            seconds: Date().timeIntervalSince(began), isComplete: complete))
    }

    @discardableResult
    private func fail(_ message: String, keepsPart: Bool) -> Bool {
        if failure == nil { failure = Failure(error: SupermaskError(file: download.label, message), keepsPart: keepsPart) }
        return false
    }

    private func header(_ name: String, of response: HTTPURLResponse) -> String? {
        response.allHeaderFields.first { ($0.key as? String)?.caseInsensitiveCompare(name) == .orderedSame }?.value as? String
    }
}
