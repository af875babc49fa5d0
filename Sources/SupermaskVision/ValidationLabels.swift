import SupermaskCore

/// Labels for the flat ILSVRC2012 validation folder (`ILSVRC2012_val_00000001.JPEG` …), in either form users
/// have (docs/evaluation.md):
/// - a CSV of `file,wnid` rows: a first row whose file column has no digit and no dot is a header and skipped; a file name without an extension means `.JPEG`; only
///   the first word of the second column counts, so Kaggle's LOC_val_solution.csv works as is;
/// - the devkit's ground truth (`ILSVRC2012_validation_ground_truth.txt`, one 1-based ILSVRC2012_ID per image in
///   file-number order) with the synset list in ID order (one line per ID, the wnid first).
///
/// Classes are the sorted wnids: of the synset list when one is given, else of the CSV.
public enum ValidationLabels {
    /// Where the labels come from.
    public enum Source: Sendable, Equatable {
        /// A `file,wnid` CSV, optionally with the synset list that fixes the class set.
        case csv(String, synsets: String?)
        /// The devkit ground truth and the synset list in ID order.
        case groundTruth(String, synsets: String)
    }

    static func dataset(folder: String, labels: Source) throws -> ImageDataset {
        let wnidByFile: [(file: String, wnid: String)]
        var synsetList: [String]?
        switch labels {
        case .csv(let path, let synsets):
            wnidByFile = try readCSV(path)
            synsetList = try synsets.map(readSynsets)
        case .groundTruth(let path, let synsets):
            let synsets = try readSynsets(synsets)
            wnidByFile = try readGroundTruth(path, synsets: synsets)
            synsetList = synsets
        }
        let classes = (synsetList ?? wnidByFile.map(\.wnid)).uniqued().sorted(by: DirectoryListing.pythonOrder)
        let indexOf = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let labelsFile: String
        switch labels {
        case .csv(let path, _), .groundTruth(let path, _): labelsFile = path
        }

        let present = Set(try DirectoryListing.entries(of: folder))
        var images: [LabelledImage] = []
        var missing: [String] = []
        var unknown: [String] = []
        var labelled = Set<String>()
        for (file, wnid) in wnidByFile {
            guard let label = indexOf[wnid] else {
                unknown.append(wnid)
                continue
            }
            guard present.contains(file) else {
                missing.append(file)
                continue
            }
            labelled.insert(file)
            images.append(LabelledImage(path: folder + "/" + file, label: label))
        }
        if !unknown.isEmpty {
            throw SupermaskError(file: labelsFile, "\(unknown.count) labels name wnids that are not in the synset list (\(ImageDataset.listing(unknown.uniqued())))")
        }
        if !missing.isEmpty {
            throw SupermaskError(file: labelsFile, "names \(missing.count) files that are not in \(folder) (\(ImageDataset.listing(missing)))")
        }
        if images.isEmpty {
            throw SupermaskError(file: labelsFile, "no labelled images")
        }
        images.sort { DirectoryListing.pythonOrder($0.path, $1.path) }
        var warnings: [String] = []
        let unlabelled = present.filter { DirectoryListing.hasImageExtension($0) && !labelled.contains($0) }
        if !unlabelled.isEmpty {
            warnings.append("\(unlabelled.count) images in \(folder) have no label in \(labelsFile) and are skipped (\(ImageDataset.listing(unlabelled.sorted(by: DirectoryListing.pythonOrder))))")
        }
        return ImageDataset(folder: folder, classes: classes, images: images, warnings: warnings)
    }

    /// `file,wnid` rows.
    static func readCSV(_ path: String) throws -> [(file: String, wnid: String)] {
        var rows: [(file: String, wnid: String)] = []
        for (number, line) in try lines(of: path).enumerated() {
            let fields = line.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            let wnid = fields.count == 2 ? fields[1].split(separator: " ").first.map(String.init) : nil
            guard var file = fields.first.map({ String($0).trimmed }), let wnid, !file.isEmpty else {
                throw SupermaskError(file: path, "line \(number + 1) is not file,wnid: \(line.escapedForDisplay(limit: 80))")
            }
            if number == 0 && isHeader(file) { continue }
            if !file.contains(".") { file += ".JPEG" }
            rows.append((file, wnid.trimmed))
        }
        return rows
    }

    /// The devkit ground truth: line i holds the 1-based synset ID of ILSVRC2012_val_<i, 8 digits>.JPEG.
    static func readGroundTruth(_ path: String, synsets: [String]) throws -> [(file: String, wnid: String)] {
        try lines(of: path).enumerated().map { number, line in
            guard let id = Int(line.trimmed), (1...synsets.count).contains(id) else {
                throw SupermaskError(file: path, "line \(number + 1) is not a synset ID in 1…\(synsets.count): \(line.escapedForDisplay(limit: 40))")
            }
            let digits = String(number + 1)
            let file = "ILSVRC2012_val_" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".JPEG"
            return (file, synsets[id - 1])
        }
    }

    /// The first word of every line.
    static func readSynsets(_ path: String) throws -> [String] {
        let synsets = try lines(of: path).compactMap { $0.split(separator: " ").first.map(String.init) }
        if let duplicate = synsets.firstDuplicate() {
            throw SupermaskError(file: path, "synset \(duplicate.escapedForDisplay(limit: 80)) is listed twice")
        }
        guard !synsets.isEmpty else { throw SupermaskError(file: path, "no synsets") }
        return synsets
    }

    /// A header's first column ("ImageId", "file") has neither the digits nor the extension of an image name.
    static func isHeader(_ firstColumn: String) -> Bool {
        !firstColumn.contains(".") && !firstColumn.contains(where: \.isNumber)
    }

    /// The non-empty lines of a text file.
    private static func lines(of path: String) throws -> [String] {
        // ILSVRC2012's labels take 2 MB.
        let text = String(decoding: try RegularFile.read(path, limit: 256 << 20, what: "a labels file"), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmed.isEmpty }
    }
}

extension String {
    fileprivate var trimmed: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

extension Array where Element: Hashable {
    /// The elements without repeats, first occurrences kept in order.
    fileprivate func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }

    fileprivate func firstDuplicate() -> Element? {
        var seen = Set<Element>()
        return first { !seen.insert($0).inserted }
    }
}
