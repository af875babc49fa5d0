import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 (a port the kernel picks) that serves one file, for the fetch tests.
///
/// One connection at a time, one request per connection (`Connection: close`). It honours `Range: bytes=N-`
/// with 206 / 416 unless told to ignore it, and can misbehave in the ways a real download meets: drop the
/// connection in the middle of a body, corrupt a byte, answer with an error status, send slowly, announce a size
/// it does not send, or send without end.
final class LoopbackHTTPServer: @unchecked Sendable {
    /// How the server answers; changeable between requests.
    struct Behaviour: Sendable {
        /// The file served at `path`.
        var body: [UInt8]
        var path = "/hidden-networks/model.pth"
        /// Whether a `Range` request gets 206 (or 416), rather than the whole file with 200.
        var honoursRange = true
        /// Answer the next request with only this many bytes of its body, then close the connection (one-shot).
        var dropAfter: Int?
        /// Serve the body with this byte inverted.
        var corruptedByte: Int?
        /// Answer every request with this status and an empty body.
        var status: Int?
        /// Announce this Content-Length instead of the body's.
        var announcedLength: Int?
        /// Answer 200 with no Content-Length and zeros until the client goes away.
        var endless = false
        /// Send the body in pieces of this many bytes, pausing `trickleInterval` seconds after each.
        var trickleBytes: Int?
        var trickleInterval: TimeInterval = 0
    }

    /// A request as the server saw it.
    struct Request: Sendable, Equatable {
        var path: String
        var range: String?
    }

    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var behaviour: Behaviour
    private var received: [Request] = []
    private let stopped = DispatchSemaphore(value: 0)

    /// Starts serving on a new thread.
    init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ServerError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else {
            close(listener)
            throw ServerError("bind/listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { break }
                serve(client)
                close(client)
            }
            stopped.signal()
        }
        thread.start()
    }

    /// The URL of the served file.
    var url: URL { URL(string: "http://127.0.0.1:\(port)\(lock.withLock { behaviour.path })")! }

    /// The requests served so far.
    var requests: [Request] { lock.withLock { received } }

    /// Changes how later requests are answered.
    func change(_ edit: (inout Behaviour) -> Void) {
        lock.withLock { edit(&behaviour) }
    }

    /// Stops accepting and waits for the serving thread to end.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        stopped.wait()
    }

    private func serve(_ client: Int32) {
        guard let head = readHead(client) else { return }
        let lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        let path = requestLine.count >= 2 ? String(requestLine[1]) : ""
        let range = lines.dropFirst().first { $0.lowercased().hasPrefix("range:") }
            .map { String($0.dropFirst("range:".count)).trimmingCharacters(in: .whitespaces) }
        let behaviour = lock.withLock {
            received.append(Request(path: path, range: range))
            let current = self.behaviour
            self.behaviour.dropAfter = nil
            return current
        }
        if let status = behaviour.status {
            send(client, head: "HTTP/1.1 \(status) Status\r\nContent-Length: 0", body: [])
            return
        }
        if behaviour.endless {
            guard send(client, head: "HTTP/1.1 200 OK", body: []) else { return }
            let zeros = [UInt8](repeating: 0, count: 65536)
            while sendAll(client, zeros) {}
            return
        }
        guard path == behaviour.path else {
            send(client, head: "HTTP/1.1 404 Not Found\r\nContent-Length: 0", body: [])
            return
        }
        var body = behaviour.body
        if let index = behaviour.corruptedByte { body[index] = ~body[index] }
        var status = "200 OK"
        var headers = ""
        var payload = body[...]
        if let range, behaviour.honoursRange, range.hasPrefix("bytes="), range.hasSuffix("-"),
           let first = Int(range.dropFirst(6).dropLast()) {
            if first >= body.count {
                send(client, head: "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */\(body.count)\r\nContent-Length: 0", body: [])
                return
            }
            status = "206 Partial Content"
            headers = "\r\nContent-Range: bytes \(first)-\(body.count - 1)/\(body.count)"
            payload = body[first...]
        }
        let sent = behaviour.dropAfter.map { payload.prefix($0) } ?? payload
        let length = behaviour.announcedLength ?? payload.count
        guard let piece = behaviour.trickleBytes else {
            send(client, head: "HTTP/1.1 \(status)\r\nContent-Length: \(length)\(headers)", body: Array(sent))
            return
        }
        guard send(client, head: "HTTP/1.1 \(status)\r\nContent-Length: \(length)\(headers)", body: []) else { return }
        var offset = sent.startIndex
        while offset < sent.endIndex, sendAll(client, Array(sent[offset..<min(offset + piece, sent.endIndex)])) {
            offset += piece
            Thread.sleep(forTimeInterval: behaviour.trickleInterval)
        }
    }

    /// The request up to the blank line, or `nil` if the client went away first.
    private func readHead(_ client: Int32) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let count = recv(client, &buffer, buffer.count, 0)
            if count <= 0 { return nil }
            bytes += buffer[0..<count]
            if let text = String(bytes: bytes, encoding: .utf8), let end = text.range(of: "\r\n\r\n") {
                return String(text[..<end.lowerBound])
            }
        }
        return nil
    }

    /// Sends a response head and `body`; false when the client went away.
    @discardableResult
    private func send(_ client: Int32, head: String, body: [UInt8]) -> Bool {
        sendAll(client, Array((head + "\r\nConnection: close\r\n\r\n").utf8) + body)
    }

    private func sendAll(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return false }
            offset += count
        }
        return true
    }
}

/// A failure to start the test server.
struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
