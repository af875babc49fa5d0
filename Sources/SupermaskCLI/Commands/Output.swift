import Foundation
import SupermaskCore

/// `text` made safe for one line of output: control characters escaped (as by `escapedForDisplay`, backslashes left
/// alone, so text that already escaped its parts is not escaped twice) and cut after `limit` characters. For
/// messages that embed strings from files, such as an importer's warnings.
func oneLine(_ text: String, limit: Int = 500) -> String {
    let escaped = text.withControlCharactersEscaped
    return escaped.count > limit ? escaped.prefix(limit) + "…" : escaped
}

/// Writes `tensor` as a `.npy` file at `path`, or to standard output when `path` is `-`.
func writeNPY(_ tensor: Tensor, to path: String) throws {
    if path == "-" {
        FileHandle.standardOutput.write(Data(NPY.encoded(tensor)))
    } else {
        try NPY.write(tensor, to: path)
    }
}

/// Prints a command's summary line: to standard output, or to standard error when the command's data went to
/// standard output (`-o -`), so that the data stays whole for the program reading it.
func printSummary(_ line: String, dataPath: String) {
    if dataPath == "-" { printError(line) } else { print(line) }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The JSON every report uses: pretty-printed, keys sorted (so output is stable), slashes unescaped.
///
/// JSON keeps strings from files whole, so that a program reading the report gets the file's bytes back; the
/// encoder escapes the control characters JSON forbids raw, and the characters that could still act on a terminal
/// (DEL and C1 controls, line and paragraph separators, bidirectional overrides) are written as `\uXXXX` escapes
/// too, which every JSON reader decodes to the same string.
func reportJSON<Value: Encodable>(_ value: Value) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let text = String(decoding: try encoder.encode(value), as: UTF8.self)
    var escaped = ""
    for scalar in text.unicodeScalars {
        let value = scalar.value
        let acts = (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029 || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value)
        if acts {
            let hex = String(value, radix: 16)
            escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
            escaped.unicodeScalars.append(scalar)
        }
    }
    return Data(escaped.utf8)
}

/// Prints `value` as one JSON document.
func printJSON<Value: Encodable>(_ value: Value) throws {
    print(String(decoding: try reportJSON(value), as: UTF8.self))
}

/// Prints `value`, a report about `file`, as one JSON document; a value JSON cannot hold (a NaN or an infinity
/// that reached a report) is one line naming the file and the key instead of Foundation's EncodingError.
func printJSON<Value: Encodable>(_ value: Value, about file: String) throws {
    do {
        try printJSON(value)
    } catch EncodingError.invalidValue(let invalid, let context) {
        let key = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        throw SupermaskError(file: file, "\(key.drop { $0 == "." }) is \(invalid), which JSON cannot hold")
    }
}
