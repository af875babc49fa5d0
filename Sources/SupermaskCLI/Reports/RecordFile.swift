import Foundation
import SupermaskCore
import SupermaskVision

/// Reading and writing evaluation records as JSON files.
enum RecordFile {
    /// Writes `record` as pretty-printed JSON with sorted keys.
    static func write(_ record: EvaluationRecord, to path: String) throws {
        do {
            try (reportJSON(record) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path))
        } catch {
            throw SupermaskError(file: path, "cannot write the record: \(error.localizedDescription)")
        }
    }

    /// Reads a record written by `write`.
    static func read(_ path: String) throws -> EvaluationRecord {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SupermaskError(file: path, "cannot read the file")
        }
        do {
            return try JSONDecoder().decode(EvaluationRecord.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw SupermaskError(file: path, "not an eval record: no \"\(key.stringValue)\"")
        } catch {
            throw SupermaskError(file: path, "not an eval record written by supermask eval --json")
        }
    }
}
