import Foundation

extension InspectReport {
    /// The report as the aligned text `supermask inspect` prints.
    var text: String {
        var lines: [String] = []
        let shape = inputShape.map(String.init).joined(separator: "×")
        lines.append("model         \(file.escapedForDisplay())")
        lines.append("architecture  \(architecture.escapedForDisplay(limit: 80)) (input \(shape), \(classes) classes)")
        if let keep { lines.append("keep          \(keep) of the weights in every masked layer") }
        let shown = ["arch", "epoch", "best_acc1", "best_acc5", "curr_acc1", "source_file", "source_format"]
        let entries = shown.compactMap { key in metadata[key].map { "\(key) \($0.description.escapedForDisplay(limit: 80))" } }
        if !entries.isEmpty { lines.append("checkpoint    " + entries.joined(separator: ", ")) }
        if let torchSeed {
            let profile = torchSeed.profile.map { " (profile \($0))" } ?? ""
            lines.append("weights       torch seed \(torchSeed.seed)\(profile)" + (torchSeed.verified
                ? ", verified" : " does not regenerate them: \(torchSeed.difference ?? "")"))
        }
        lines.append("")

        var header = ["layer", "kind", "shape", "params", "kept", "density", "init"]
        if masks != nil { header += ["mask coder", "mask bits", "/log2 C(n,k)"] }
        let rows = layers.map { layer -> [String] in
            var row = [
                layer.name.escapedForDisplay(limit: 80), layer.stride > 1 ? "\(layer.kind)/\(layer.stride)" : layer.kind,
                layer.shape.map(String.init).joined(separator: "×"), grouped(layer.parameters), grouped(layer.kept),
                percent(layer.density), initialisationText(layer),
            ]
            if masks != nil { row += maskColumns(layer) }
            return row
        }
        lines += table(header: header, rows: rows, rightAligned: [3, 4, 5, 8, 9])
        lines.append("")
        lines.append("total: \(grouped(totals.kept)) of \(grouped(totals.weights)) weights kept (\(percent(totals.density))) in \(totals.maskedLayers) masked layers" + (totals.denseLayers > 0 ? ", \(totals.denseLayers) dense" : ""))
        if let masks {
            let ratio = masks.overBound.map { String(format: ", %.4f× Σ log2 C(n, k)", $0) } ?? ""
            lines.append("masks: \(grouped(masks.codedBits)) bits coded\(ratio) (\(grouped(Int(masks.boundBits.rounded()))) bits)")
        }
        if batchNorm.layers > 0 {
            lines.append("batch norm: \(batchNorm.layers) layers, \(grouped(batchNorm.channels)) channels, \(batchNorm.affine ? "affine" : "non-affine"); running mean |max| \(compact(batchNorm.runningMeanMaxAbs)), running var \(compact(batchNorm.runningVarianceMin)) … \(compact(batchNorm.runningVarianceMax))")
        } else {
            lines.append("batch norm: none")
        }
        lines.append(warnings.isEmpty ? "warnings: none" : "warnings:")
        lines += warnings.map { "  - \(oneLine($0))" }
        return lines.joined(separator: "\n")
    }

    /// Coder, bits and bits over log2 C(n, k) of a container's layer.
    private func maskColumns(_ layer: LayerReport) -> [String] {
        guard let coder = layer.maskCoder, let bits = layer.maskBits, let bound = layer.maskBoundBits else { return ["dense", "—", "—"] }
        let ratio: String = bound > 0 ? String(format: "%.4f", Double(bits) / bound) : "—"
        return [coder, grouped(bits), ratio]
    }

    private func initialisationText(_ layer: LayerReport) -> String {
        switch layer.initialisation {
        case "signed-constant":
            let mark = abs(layer.scale - layer.expectedScale) <= layer.expectedScale * 1e-6 ? "= √(2/fan_in)" : "≠ √(2/fan_in) = \(compact(layer.expectedScale))"
            return "signed-constant ±\(compact(layer.scale)) \(mark)"
        default:
            return "\(layer.initialisation) σ \(compact(layer.scale)) (√(2/fan_in) \(compact(layer.expectedScale)))"
        }
    }
}

/// Rows padded into columns, with a rule under the header.
func table(header: [String], rows: [[String]], rightAligned: Set<Int>) -> [String] {
    let widths = header.indices.map { column in
        ([header] + rows).map { $0[column].count }.max() ?? 0
    }
    func render(_ row: [String]) -> String {
        row.enumerated().map { column, cell in
            let padding = String(repeating: " ", count: widths[column] - cell.count)
            return rightAligned.contains(column) ? padding + cell : cell + padding
        }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return [render(header), String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))] + rows.map(render)
}

/// 7650902 → "7,650,902".
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (offset, digit) in digits.enumerated() {
        if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
        result.append(digit)
    }
    return value < 0 ? "-" + result : result
}

/// 0.30000111 → "30.0%".
func percent(_ fraction: Double) -> String {
    String(format: "%.1f%%", fraction * 100)
}

/// Eight significant digits, enough to tell float32 values apart.
func compact(_ value: Double) -> String {
    String(format: "%.8g", value)
}
