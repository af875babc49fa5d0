import SupermaskCore

extension ZooReport {
    /// The listing as a table, then where it looked; every registry string and path escaped.
    var text: String {
        let rows = models.map { row -> [String] in
            let accuracy = row.reportedTop1.map { format($0, 2) + " (paper)" }
                ?? row.pytorchAccuracy.map { format(100 * $0, 2) + " (PyTorch)" } ?? "-"
            return [
                row.name.escapedForDisplay(limit: 40), row.kind, row.architecture.escapedForDisplay(limit: 40),
                row.dataset.escapedForDisplay(limit: 40), row.`init`.escapedForDisplay(limit: 40), row.keep.map { "\($0)" } ?? "-",
                row.keptWeights.map(grouped) ?? "-", accuracy, "\(row.state): \(row.detail.escapedForDisplay(limit: 1024))",
            ]
        }
        let header = ["name", "kind", "architecture", "data", "init", "keep", "kept weights", "top-1 %", "here"]
        var lines = table(header: header, rows: rows, rightAligned: [5, 6, 7])
        lines.append("")
        lines.append("registry: \(registry.escapedForDisplay(limit: 1024))")
        lines.append("downloads: \(directory.escapedForDisplay(limit: 1024))")
        return lines.joined(separator: "\n")
    }
}
