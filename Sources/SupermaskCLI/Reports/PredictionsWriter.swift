import Foundation
import SupermaskCore
import SupermaskVision

/// Streams `path,label,pred1,…,pred5` rows to a CSV file as batches finish, so memory does not grow with the
/// dataset. Paths are relative to the dataset folder; fields are quoted as RFC 4180 requires.
final class PredictionsWriter {
    private let handle: FileHandle
    private let path: String
    private let prefix: String

    /// Creates (or truncates) the file and writes the header.
    init(path: String, folder: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw SupermaskError(file: path, "cannot create the predictions file")
        }
        self.handle = handle
        self.path = path
        prefix = folder.hasSuffix("/") ? folder : folder + "/"
        handle.write(Data("path,label,pred1,pred2,pred3,pred4,pred5\n".utf8))
    }

    /// Appends one row per prediction.
    func write(_ predictions: [Prediction]) {
        var text = ""
        for prediction in predictions {
            let relative = prediction.path.hasPrefix(prefix) ? String(prediction.path.dropFirst(prefix.count)) : prediction.path
            let top = (0..<5).map { $0 < prediction.top.count ? String(prediction.top[$0]) : "" }
            text += ([Self.quoted(relative), String(prediction.label)] + top).joined(separator: ",") + "\n"
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
