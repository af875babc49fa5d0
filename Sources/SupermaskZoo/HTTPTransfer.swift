import CCurl
import Foundation
import SupermaskCore

/// One HTTP request of an `HTTPDownload` and its response body, run by libcurl on the calling thread: the status and
/// headers decide whether the body is taken and how the `.part` is opened, and every byte is checked against the
/// announced size and the download's cap before it is written.
///
/// Not URLSession: on Linux its libcurl event loop keeps a core busy for as long as a slow server makes it wait
/// (measured in docs/zoo.md); libcurl's own `curl_easy_perform` sleeps in poll(2).
final class HTTPTransfer {
    enum Outcome {
        case complete(HTTPDownload.Result)
        case rangeNotSatisfiable(total: Int?)
    }

    /// Why the transfer stopped early, and whether the `.part` is worth keeping for a later resume.
    private struct Failure {
        var error: SupermaskError
        var keepsPart: Bool
    }

    /// Header bytes accepted per response; a server sending more is cut off.
    private static let maxHeaderBytes = 64 << 10

    private let download: HTTPDownload
    private let start: Int
    private let progress: @Sendable (DownloadProgress) -> Void
    private let began = Date()

    private var headers: [(name: String, value: String)] = []
    private var headerBytes = 0
    private var accepted = false
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
        var result = sm_curl_result()
        let context = Unmanaged.passUnretained(self).toOpaque()
        download.url.absoluteString.withCString { url in
            let range = start > 0 ? "\(start)-" : nil
            withOptionalCString(range) { range in
                var request = sm_curl_request(
                    url: url, range: range, idle_seconds: Int(download.idleTimeout), context: context,
                    on_header: { context, line, length in
                        HTTPTransfer.from(context).headerLine(UnsafeRawBufferPointer(start: UnsafeRawPointer(line), count: length)) ? 1 : 0
                    },
                    on_body: { context, status, data, length in
                        HTTPTransfer.from(context).body(status: status, UnsafeRawBufferPointer(start: UnsafeRawPointer(data), count: length)) ? 1 : 0
                    })
                sm_curl_get(&request, &result)
            }
        }
        if failure == nil, unsatisfiable == nil, !accepted, result.code == 0 {
            _ = accept(status: result.status)  // a response without a body: 416, an empty file, an error status
        }
        try? handle?.close()
        finish(result)

        if let failure {
            if !failure.keepsPart { try? FileManager.default.removeItem(atPath: download.partPath) }
            throw failure.error
        }
        if let unsatisfiable { return .rangeNotSatisfiable(total: unsatisfiable) }
        return .complete(.init(size: written, resumedFrom: resumedFrom, restarted: restarted))
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> HTTPTransfer {
        Unmanaged<HTTPTransfer>.fromOpaque(context!).takeUnretainedValue()
    }

    /// Collects the header lines of the current response (a status line starts a new one, as after a redirect).
    private func headerLine(_ line: UnsafeRawBufferPointer) -> Bool {
        headerBytes += line.count
        guard headerBytes <= Self.maxHeaderBytes else {
            return fail("the server sent more than \(Self.maxHeaderBytes) bytes of headers", keepsPart: true)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("HTTP/") {
            headers = []
            headerBytes = line.count
        } else if let colon = text.firstIndex(of: ":") {
            headers.append((String(text[..<colon]), text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return true
    }

    private func body(status: Int, _ data: UnsafeRawBufferPointer) -> Bool {
        if !accepted {
            guard accept(status: status) else { return false }
        }
        guard let handle, failure == nil else { return false }
        if let total, written + data.count > total {
            return fail("the server sent more than the \(total) bytes it announced", keepsPart: false)
        }
        if written + data.count > download.cap {
            return fail("the server sent more than \(download.cap) bytes without announcing a size; stopped there (raise --max-bytes if the file is that large)", keepsPart: false)
        }
        do {
            try handle.write(contentsOf: data)
        } catch {
            return fail("cannot write \(download.partPath.escapedPath): \(error.localizedDescription.escapedForDisplay())", keepsPart: true)
        }
        written += data.count
        let now = Date()
        if now.timeIntervalSince(lastReport) >= 0.1 {
            lastReport = now
            report(complete: false)
        }
        return true
    }

    /// Decides from the status and headers whether to take the body, and opens the `.part` accordingly.
    private func accept(status: Int) -> Bool {
        accepted = true
        let contentRange = headerValue("Content-Range")
        switch status {
        case 200:
            restarted = start > 0
            written = 0
            total = headerValue("Content-Length").flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
        case 206:
            guard let range = contentRange.flatMap(ContentRange.init), range.first == start else {
                return fail("the server answered the range request with Content-Range '\((contentRange ?? "").escapedForDisplay(limit: 80))', not from byte \(start)", keepsPart: false)
            }
            resumedFrom = start
            total = range.total
        case 416:
            unsatisfiable = .some(contentRange.flatMap(ContentRange.init)?.total)
            return false
        default:
            let reason = Self.reason(status)
            // A server error may pass; anything else (404, 403, …) will not, so nothing is worth keeping.
            return fail("HTTP \(status) (\(reason)) from \(download.url.absoluteString.escapedForDisplay())", keepsPart: status >= 500)
        }
        if let expected = download.expectedSize, let total, total != expected {
            return fail("the server's file is \(total) bytes, the registry says \(expected)", keepsPart: false)
        }
        if let total, total > download.cap {
            return fail("the server's file is \(total) bytes, more than the \(download.cap) allowed (--max-bytes)", keepsPart: false)
        }
        total = total ?? download.expectedSize
        do {
            if written == 0 {
                guard FileManager.default.createFile(atPath: download.partPath, contents: nil) else {
                    return fail("cannot create \(download.partPath.escapedPath)", keepsPart: false)
                }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: download.partPath))
            try handle.seekToEnd()
            self.handle = handle
        } catch {
            return fail("cannot write \(download.partPath.escapedPath): \(error.localizedDescription.escapedForDisplay())", keepsPart: false)
        }
        return true
    }

    /// Turns how libcurl ended into the outcome: a failure unless the whole announced body arrived.
    private func finish(_ result: sm_curl_result) {
        guard failure == nil, unsatisfiable == nil else { return }
        let message = withUnsafeBytes(of: result.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if handle == nil, result.code != 0 {
            // No response at all: the host is unreachable, so an earlier .part is still good for later.
            fail("cannot download \(download.url.absoluteString.escapedForDisplay()): \(message.escapedForDisplay())", keepsPart: true)
            return
        }
        let short = total.map { written < $0 } ?? false
        if result.code != 0 || short {
            let of = total.map { " of \($0)" } ?? ""
            let cause = result.code != 0 ? " (\(message.escapedForDisplay()))" : ""
            fail("the connection dropped after \(written)\(of) bytes\(cause); run the same command again to resume from \(download.partPath.escapedPath)", keepsPart: written > 0)
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

    /// The standard reason phrase of `status` (not the server's, which could say anything).
    private static func reason(_ status: Int) -> String {
        let phrases = [
            400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            408: "Request Timeout", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error",
            501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
        ]
        if let phrase = phrases[status] { return phrase }
        switch status {
        case 100..<200: return "informational"
        case 300..<400: return "redirection"
        case 400..<500: return "client error"
        case 500..<600: return "server error"
        default: return "not an HTTP status"
        }
    }

    /// The last value of header `name` in the current response.
    private func headerValue(_ name: String) -> String? {
        headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Runs `body` with `text` as a C string, or with `nil`.
private func withOptionalCString<Result>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> Result) -> Result {
    guard let text else { return body(nil) }
    return text.withCString(body)
}
