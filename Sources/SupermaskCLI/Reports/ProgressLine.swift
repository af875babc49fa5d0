import Foundation
import SupermaskVision

/// Progress of `supermask eval` on stderr: a redrawn bar with images/s and ETA on a terminal, plain lines at
/// most every `interval` seconds otherwise (logs of batch jobs stay readable).
struct ProgressLine {
    private let isTerminal = isatty(FileHandle.standardError.fileDescriptor) != 0
    private let interval: Double
    private var lastLine = -Double.infinity
    private var drewBar = false

    /// A progress reporter; `interval` spaces the non-terminal lines.
    init(interval: Double = 30) {
        self.interval = interval
    }

    /// Shows `progress`, on a terminal always, otherwise when `interval` passed or the run is complete.
    mutating func show(_ progress: EvaluationProgress) {
        let complete = progress.done == progress.total
        if isTerminal {
            FileHandle.standardError.write(Data(("\r" + bar(progress) + "\u{1B}[K" + (complete ? "\n" : "")).utf8))
            drewBar = !complete
        } else if complete || progress.seconds - lastLine >= interval {
            lastLine = progress.seconds
            printError("eval: " + summary(progress))
        }
    }

    /// Ends a bar line before other output (warnings) is written.
    mutating func interrupt() {
        if drewBar {
            FileHandle.standardError.write(Data("\n".utf8))
            drewBar = false
        }
    }

    private func bar(_ progress: EvaluationProgress) -> String {
        let width = 24
        let fraction = progress.total == 0 ? 1 : Double(progress.done) / Double(progress.total)
        let filled = Int(fraction * Double(width))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + summary(progress)
    }

    /// "1200/50000 images (2.4%), 41.3 images/s, ETA 19m41s, time: model 93%, waiting for images 1%, errors 0".
    func summary(_ progress: EvaluationProgress) -> String {
        let percent = progress.total == 0 ? 100 : 100 * Double(progress.done) / Double(progress.total)
        var text = "\(progress.done)/\(progress.total) images (\(format(percent, 1))%), \(format(progress.imagesPerSecond, 2)) images/s"
        if let left = progress.secondsLeft, progress.done < progress.total { text += ", ETA \(Self.duration(left))" }
        if progress.seconds > 0 {
            text += ", time: model \(format(100 * progress.inferenceSeconds / progress.seconds, 0))%"
            text += ", waiting for images \(format(100 * progress.waitingSeconds / progress.seconds, 0))%"
        }
        return text + ", errors \(progress.tally.errors)"
    }

    /// `1h02m`, `3m05s` or `12s`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        if hours > 0 { return "\(hours)h" + (minutes < 10 ? "0" : "") + "\(minutes)m" }
        if minutes > 0 { return "\(minutes)m" + (rest < 10 ? "0" : "") + "\(rest)s" }
        return "\(rest)s"
    }
}

/// `value` with `digits` decimals.
func format(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}
