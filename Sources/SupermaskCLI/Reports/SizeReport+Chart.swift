import Foundation

extension SizeReport {
    /// A horizontal bar chart on a log scale, as standalone SVG (no scripts, no external fonts).
    var svgChart: String {
        let rows = representations
        let labelWidth = 300.0, plotWidth = 520.0, rowHeight = 26.0, top = 50.0
        let height = top + rowHeight * Double(rows.count) + 60
        let values = rows.map { Double(max($0.bytes, 1)) }
        let low = (log10(values.min() ?? 1)).rounded(.down), high = (log10(values.max() ?? 10)).rounded(.up)
        let span = max(high - low, 1)
        func x(_ bytes: Double) -> Double { labelWidth + plotWidth * (log10(bytes) - low) / span }

        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + plotWidth + 170))\" height=\"\(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">\(escaped(architecture)): \(grouped(weights)) weights, \(grouped(kept)) kept (bytes, log scale)</text>",
        ]
        for decade in Int(low)...Int(high) {
            let position = x(pow(10, Double(decade)))
            svg.append("<line x1=\"\(format(position))\" y1=\"\(format(top - 8))\" x2=\"\(format(position))\" y2=\"\(format(height - 54))\" stroke=\"#ddd\"/>")
            svg.append("<text x=\"\(format(position))\" y=\"\(format(height - 38))\" text-anchor=\"middle\" fill=\"#555\">\(decadeLabel(decade))</text>")
        }
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index)
            let colour = row.id == "smask" ? "#d62728" : row.id == "bound" ? "#222" : row.exact == "yes" ? "#1f77b4" : "#aec7e8"
            let end = x(Double(max(row.bytes, 1)))
            svg.append("<text x=\"\(format(labelWidth - 8))\" y=\"\(format(y + 15))\" text-anchor=\"end\">\(escaped(row.label))</text>")
            svg.append("<rect x=\"\(format(labelWidth))\" y=\"\(format(y + 4))\" width=\"\(format(max(end - labelWidth, 1)))\" height=\"\(format(rowHeight - 8))\" fill=\"\(colour)\"/>")
            svg.append("<text x=\"\(format(end + 6))\" y=\"\(format(y + 15))\">\(megabytes(row.bytes)) MB · \(String(format: "%.2f", row.bitsPerWeight)) b/w</text>")
        }
        svg.append("<text x=\"10\" y=\"\(format(height - 12))\" fill=\"#555\">red: this .smask · black: information bound · blue: exact for this model · light blue: lossy, or its assumption does not hold · BN statistics included</text>")
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }

    private func decadeLabel(_ decade: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        let unit = min(max(decade / 3, 0), units.count - 1)
        let mantissa = Int(pow(10, Double(decade - 3 * unit)))
        return "\(mantissa) \(units[unit])"
    }

    /// `text` as XML character data: control characters (which XML 1.0 forbids) escaped and long text cut first.
    private func escaped(_ text: String) -> String {
        text.escapedForDisplay(limit: 80).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
