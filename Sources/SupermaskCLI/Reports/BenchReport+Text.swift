import Foundation

extension BenchReport {
    /// The report as the aligned text `supermask bench` prints.
    var text: String {
        var lines: [String] = []
        lines.append("model         \(file) (\(architecture))")
        lines.append("engine        \(engine), \(instructionSet) kernels; median of \(runs) runs after \(warmup) warm-up")
        lines.append("")
        let header = ["batch", "threads", "images/s", "ms/image", "images/s min…max", "plan s"]
        let rows = results.map { result -> [String] in
            [
                String(result.batchSize), String(result.threads), String(format: "%.1f", result.imagesPerSecond),
                String(format: "%.2f", result.millisecondsPerImage),
                String(format: "%.1f…%.1f", result.imagesPerSecondMin, result.imagesPerSecondMax),
                String(format: "%.1f", result.planSeconds),
            ]
        }
        lines += table(header: header, rows: rows, rightAligned: [0, 1, 2, 3, 4, 5])
        lines.append("")
        lines.append(String(format: "peak memory   %.1f MiB resident (whole process)", Double(peakMemoryBytes) / 1_048_576))
        for threads in Set(layers.map(\.threads)).sorted() {
            lines.append("")
            lines.append("slowest layers of one image, \(threads) thread\(threads == 1 ? "" : "s"):")
            let rows = layers.filter { $0.threads == threads }.map { layer -> [String] in
                [
                    layer.name, layer.kernel, String(format: "%.3f", layer.milliseconds),
                    layer.gflops > 0 ? String(format: "%.1f", layer.gflops) : "-", percent(layer.share),
                ]
            }
            lines += table(header: ["layer", "kernel", "ms", "GFLOP/s", "share"], rows: rows, rightAligned: [2, 3, 4])
        }
        return lines.joined(separator: "\n")
    }
}
