extension ZooReport {
    /// The listing as a table, then where it looked.
    var text: String {
        let rows = models.map { row -> [String] in
            let accuracy = row.reportedTop1.map { format($0, 2) + " (paper)" }
                ?? row.pytorchAccuracy.map { format(100 * $0, 2) + " (PyTorch)" } ?? "-"
            return [
                row.name, row.kind, row.architecture, row.dataset, row.`init`, row.keep.map { "\($0)" } ?? "-",
                row.keptWeights.map(grouped) ?? "-", accuracy, "\(row.state): \(row.detail)",
            ]
        }
        let header = ["name", "kind", "architecture", "data", "init", "keep", "kept weights", "top-1 %", "here"]
        var lines = table(header: header, rows: rows, rightAligned: [5, 6, 7])
        lines.append("")
        lines.append("registry: \(registry)")
        lines.append("downloads: \(directory)")
        return lines.joined(separator: "\n")
    }
}
