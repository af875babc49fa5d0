import SupermaskCore
import SupermaskZoo

extension ZooFetcher.Report {
    /// What `supermask fetch` prints when every check passed: the file, its digest and where that came from, and
    /// the structure found.
    var summary: String {
        var how = "already present"
        if let download {
            how = download.resumedFrom > 0 ? "downloaded, resumed at byte \(grouped(download.resumedFrom))" : "downloaded"
            if download.restarted { how += " (the server ignored the range request, so from the start)" }
        }
        let source = record.sha256Source == .registry ? "verified against the registry" : "recorded at the first fetch; the registry pins none"
        var lines = [
            "\(entry.name.escapedForDisplay()): \(path.escapedForDisplay(limit: 1024))",
            "  \(how); \(grouped(record.size)) bytes; sha256 \(record.sha256) (\(source))",
        ]
        if let structure = record.structure {
            lines.append("  structure: \(structure.architecture.escapedForDisplay()), keep \(structure.keep), \(grouped(structure.keptWeights)) of \(grouped(structure.weights)) weights kept")
            if let h5 { lines.append("  converted: \(h5.escapedForDisplay(limit: 1024))") }
        } else {
            lines.append("  structure: not checked (--no-convert)")
        }
        return lines.joined(separator: "\n")
    }
}
