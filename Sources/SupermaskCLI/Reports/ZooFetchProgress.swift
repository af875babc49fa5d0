import Foundation
import SupermaskCore
import SupermaskZoo

/// Progress of `supermask fetch` on stderr: a redrawn bar with bytes, rate and ETA on a terminal, a plain line
/// at most every `interval` seconds otherwise. Called from URLSession's delegate thread.
final class ZooFetchProgress: @unchecked Sendable {
    private let name: String
    private let isTerminal = isatty(FileHandle.standardError.fileDescriptor) != 0
    private let interval: Double
    private let lock = NSLock()
    private var lastLine = -Double.infinity
    private var drewBar = false

    /// A reporter for the download of `name`; `interval` spaces the non-terminal lines.
    init(name: String, interval: Double = 10) {
        self.name = name.escapedForDisplay(limit: 40)
        self.interval = interval
    }

    /// Shows `progress`.
    func show(_ progress: DownloadProgress) {
        lock.withLock {
            if isTerminal {
                FileHandle.standardError.write(Data(("\r" + bar(progress) + "\u{1B}[K").utf8))
                drewBar = true
            } else if progress.isComplete || progress.seconds - lastLine >= interval {
                lastLine = progress.seconds
                printError("fetch: \(name): " + summary(progress))
            }
        }
    }

    /// Ends the bar's line before other output.
    func finish() {
        lock.withLock {
            if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
            drewBar = false
        }
    }

    private func bar(_ progress: DownloadProgress) -> String {
        let width = 24
        let fraction = progress.total.map { $0 == 0 ? 1 : min(1, Double(progress.bytes) / Double($0)) } ?? 0
        let filled = Int(fraction * Double(width))
        return "\(name) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + summary(progress)
    }

    /// "45.2 of 102.3 MB (44.2%), 12.30 MB/s, ETA 5s".
    func summary(_ progress: DownloadProgress) -> String {
        let megabyte = 1_000_000.0
        var text = format(Double(progress.bytes) / megabyte, 1)
        if let total = progress.total, total > 0 {
            text += " of \(format(Double(total) / megabyte, 1)) MB (\(format(100 * Double(progress.bytes) / Double(total), 1))%)"
        } else {
            text += " MB"
        }
        text += ", \(format(progress.bytesPerSecond / megabyte, 2)) MB/s"
        if let left = progress.secondsLeft, !progress.isComplete { text += ", ETA \(ProgressLine.duration(left))" }
        return text
    }
}
