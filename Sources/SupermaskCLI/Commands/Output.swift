import Foundation

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The JSON every report uses: pretty-printed, keys sorted (so output is stable), slashes unescaped.
func reportJSON<Value: Encodable>(_ value: Value) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value)
}

/// Prints `value` as one JSON document.
func printJSON<Value: Encodable>(_ value: Value) throws {
    print(String(decoding: try reportJSON(value), as: UTF8.self))
}
