import Foundation
import SupermaskSeedSearch

/// Progress of `supermask recover-seed` on stderr: a redrawn bar with seeds/s and ETA on a terminal, a plain
/// line at most every `interval` seconds otherwise (logs of job arrays stay short).
struct SeedSearchProgressLine {
    private let isTerminal = isatty(FileHandle.standardError.fileDescriptor) != 0
    private let interval: Double
    private var lastLine = 0.0
    private var drewBar = false

    /// A reporter; `interval` spaces the non-terminal lines.
    init(interval: Double = 30) {
        self.interval = interval
    }

    /// Shows `progress`.
    mutating func show(_ progress: SeedSearchProgress) {
        if isTerminal {
            FileHandle.standardError.write(Data(("\r" + bar(progress) + "\u{1B}[K").utf8))
            drewBar = true
        } else if progress.seconds - lastLine >= interval {
            lastLine = progress.seconds
            printError("recover-seed: " + Self.summary(progress))
        }
    }

    /// Ends the bar's line before the result is printed.
    mutating func finish() {
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
        drewBar = false
    }

    private func bar(_ progress: SeedSearchProgress) -> String {
        let width = 24
        let fraction = progress.total == 0 ? 1 : Double(progress.tested) / Double(progress.total)
        let filled = min(width, Int(fraction * Double(width)))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + Self.summary(progress)
    }

    /// "1,207,959,552/4,294,967,296 seeds (28.1%), 41.3 M seeds/s, ETA 1m15s".
    static func summary(_ progress: SeedSearchProgress) -> String {
        let percent = progress.total == 0 ? 100 : 100 * Double(progress.tested) / Double(progress.total)
        var text = "\(grouped(Int(progress.tested)))/\(grouped(Int(progress.total))) seeds (\(format(percent, 1))%)"
        text += ", \(format(progress.seedsPerSecond / 1e6, 1)) M seeds/s"
        if let left = progress.secondsLeft, progress.tested < progress.total { text += ", ETA \(ProgressLine.duration(left))" }
        return text
    }
}
