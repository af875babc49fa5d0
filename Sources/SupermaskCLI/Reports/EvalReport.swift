import SupermaskCore
import SupermaskVision

/// The closing summary `supermask eval` and `supermask merge` print.
enum EvalReport {
    /// Lines for a record; `progress` adds where the time went (absent for merged records).
    static func lines(_ record: EvaluationRecord, architecture: String?, progress: EvaluationProgress?) -> [String] {
        var lines: [String] = []
        // Merged records come from JSON files: every string in them is shown escaped.
        let model = record.model.escapedForDisplay()
        let name = architecture.map { "\(model) (\($0.escapedForDisplay(limit: 80)))" } ?? model
        lines.append("model      \(name), \(format(record.param_count, 2))M parameters, \(format(100 * record.density, 2))% of weights kept")
        let shards = record.shards.map { $0.escapedForDisplay(limit: 40) }.joined(separator: ", ")
        lines.append("dataset    \(record.dataset.escapedForDisplay()), shard\(record.shards.count == 1 ? "" : "s") \(shards)")
        lines.append("top-1      \(format(record.top1, 3))%  (\(record.top1_correct)/\(record.images))")
        lines.append("top-5      \(format(record.top5, 3))%  (\(record.top5_correct)/\(record.images))")
        lines.append("images     \(record.images), errors \(record.errors)")
        let handled = record.images + record.errors
        let rate = record.seconds > 0 ? Double(handled) / record.seconds : 0
        lines.append("wall time  \(format(record.seconds, 1)) s, \(format(rate, 2)) images/s")
        if let progress, progress.seconds > 0 {
            let decodeRate = progress.decodeSeconds > 0 ? Double(handled) / progress.decodeSeconds : 0
            lines.append(
                "time       model \(format(100 * progress.inferenceSeconds / progress.seconds, 1))%, waiting for images \(format(100 * progress.waitingSeconds / progress.seconds, 1))%; decode + preprocess \(format(decodeRate, 1)) images/s per thread")
        }
        return lines
    }
}
