import Foundation
import SupermaskCore
import SupermaskVision

/// Streams `path,label,pred1,…,pred5,label_class,pred1_class,…,pred5_class` rows to a CSV file as batches
/// finish, so memory does not grow with the dataset. Paths are relative to the dataset folder; the class columns
/// name the indices' classes (WordNet IDs for ImageNet); fields are quoted as RFC 4180 requires.
final class PredictionsWriter {
    private let handle: FileHandle
    private let path: String
    private let prefix: String
    private let classes: [String]

    /// The header row's fields.
    static let header = ["path", "label"] + (1...5).map { "pred\($0)" } + ["label_class"] + (1...5).map { "pred\($0)_class" }

    /// Creates (or truncates) the file and writes the header; `classes` are the dataset's class names in index order.
    init(path: String, folder: String, classes: [String]) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw SupermaskError(file: path, "cannot create the predictions file")
        }
        self.handle = handle
        self.path = path
        self.classes = classes
        prefix = folder.hasSuffix("/") ? folder : folder + "/"
        handle.write(Data((Self.header.joined(separator: ",") + "\n").utf8))
    }

    /// Appends one row per prediction.
    func write(_ predictions: [Prediction]) {
        var text = ""
        for prediction in predictions {
            let relative = prediction.path.hasPrefix(prefix) ? String(prediction.path.dropFirst(prefix.count)) : prediction.path
            let top = (0..<5).map { $0 < prediction.top.count ? String(prediction.top[$0]) : "" }
            let names = ([prediction.label] + (0..<5).map { $0 < prediction.top.count ? prediction.top[$0] : -1 }).map { index in
                classes.indices.contains(index) ? Self.quoted(classes[index]) : ""
            }
            text += ([Self.quoted(relative), String(prediction.label)] + top + names).joined(separator: ",") + "\n"
        }
        handle.write(Data(text.utf8))
    }

    /// Closes the file.
    func close() throws {
        do {
            try handle.close()
        } catch {
            throw SupermaskError(file: path, "cannot write the predictions: \(error.localizedDescription)")
        }
    }

    /// RFC 4180: a field holding a comma, a double quote, CR or LF is enclosed in double quotes, its quotes doubled.
    /// (Scalars, not Characters: "\r\n" is one Character that equals neither "\r" nor "\n".)
    static func quoted(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
