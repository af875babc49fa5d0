import Foundation
import SupermaskCore

/// Whole-file reads with one-line errors.
enum FileBytes {
    /// The bytes of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SupermaskError(file: path, "cannot open the file")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            throw SupermaskError(file: path, "cannot read the file: \(error.localizedDescription)")
        }
    }
}
