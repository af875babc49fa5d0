import Foundation

extension SizeReport {
    /// The report as the table `supermask size` prints.
    var text: String {
        var lines = [
            "model         \(model.escapedForDisplay())",
            "architecture  \(architecture.escapedForDisplay(limit: 80)): \(grouped(weights)) weights, \(grouped(kept)) kept (\(percent(weights == 0 ? 0 : Double(kept) / Double(weights))))",
            "",
        ]
        let rows = representations.map { row in
            [row.label, grouped(row.bytes), megabytes(row.bytes), String(format: "%.3f", row.bitsPerWeight), row.exact]
        }
        lines += table(header: ["representation", "bytes", "MB", "bits/weight", "exact here"], rows: rows, rightAligned: [1, 2, 3])
        lines.append("")
        var terms = ["Σ log2 C(n, k) \(grouped(Int(bound.maskBits.rounded())))"]
        if bound.signBits > 0 { terms.append("signs \(grouped(Int(bound.signBits)))") }
        if bound.valueBits > 0 { terms.append("values \(grouped(Int(bound.valueBits)))") }
        terms.append("BN statistics \(grouped(Int(bound.batchNormBits)))")
        lines.append("bound = " + terms.joined(separator: " + ") + " bits")
        let overBound = containerOverBound.map { String(format: "%.4f× the bound", $0) } ?? "above a bound of 0"
        lines.append(String(format: "the .smask (%@ weights) is %@ and %.1f× smaller than float32 weights + scores", weightMode, overBound, releaseOverContainer))
        lines.append("every computed row includes the BN running statistics as float32")
        if !masks.isEmpty { lines += [""] + maskText }
        return lines.joined(separator: "\n")
    }
}

/// Bytes as megabytes (10⁶ bytes), two decimals.
func megabytes(_ bytes: Int) -> String { String(format: "%.2f", Double(bytes) / 1e6) }

/// One table for several models: `supermask size --compare`.
func sizeComparisonText(_ reports: [SizeReport]) -> String {
    let rows = reports.map { report -> [String] in
        let release = report.representations.first { $0.id == "fp32-weights-scores" }?.bytes ?? 0
        return [
            report.model.escapedForDisplay(), report.architecture.escapedForDisplay(limit: 80), grouped(report.weights), report.weightMode, megabytes(release),
            megabytes(report.containerBytes), String(format: "%.2f", report.bound.bytes / 1e6),
            report.containerOverBound.map { String(format: "%.4f", $0) } ?? "—", String(format: "%.1f×", report.releaseOverContainer),
            String(format: "%.3f", 8 * Double(report.containerBytes) / Double(max(report.weights, 1))),
        ]
    }
    return table(
        header: ["model", "architecture", "weights", "mode", "w+scores MB", ".smask MB", "bound MB", ".smask/bound", "smaller", "bits/weight"],
        rows: rows, rightAligned: [2, 4, 5, 6, 7, 8, 9]
    ).joined(separator: "\n")
}
