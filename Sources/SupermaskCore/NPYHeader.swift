/// The header of an `.npy` file: the Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`
/// that numpy reads with `ast.literal_eval`, parsed strictly.
///
/// numpy keeps the last of duplicate keys and refuses any key set but exactly these three; a reader that took the
/// first `'shape'` it found would read the same file as another array than numpy does. So this parser accepts only
/// what the literal means unambiguously: a dict of the three keys, each once, `descr` a plain string, `fortran_order`
/// `True` or `False`, `shape` a tuple of decimal integers (`()`, `(3,)`, `(2, 3)`); whitespace between tokens and a
/// trailing comma where Python allows one. Anything else (another key, a duplicate, a comment, an escape in a
/// string, `(3)` which is not a tuple) is refused with the reason.
struct NPYHeader: Equatable {
    /// The numpy type string (`<f4`).
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// numpy's own limit on header bytes (`numpy.lib.format._MAX_HEADER_SIZE`): larger headers are not read.
    static let maximumLength = 10_000
    /// numpy's limit on dimensions before 2.0 (`NPY_MAXDIMS`).
    static let maximumRank = 32

    /// Parses the header's text (the bytes after the length field, padding and newline included).
    init(parsing text: [UInt8]) throws {
        var parser = Parser(bytes: text)
        var entries: [String: Value] = [:]
        try parser.expect(UInt8(ascii: "{"))
        while true {
            parser.skipWhitespace()
            if parser.peek == UInt8(ascii: "}") { break }
            let key = try parser.string()
            guard ["descr", "fortran_order", "shape"].contains(key) else {
                throw Self.malformed("unexpected key '\(key.escapedForDisplay())' (numpy reads only 'descr', 'fortran_order' and 'shape')")
            }
            try parser.expect(UInt8(ascii: ":"))
            let value = try parser.value(key: key)
            guard entries.updateValue(value, forKey: key) == nil else {
                throw Self.malformed("the key '\(key)' appears twice (numpy would read the last one; supermask refuses the ambiguity)")
            }
            parser.skipWhitespace()
            if parser.peek == UInt8(ascii: ",") { parser.advance() } else { break }
        }
        try parser.expect(UInt8(ascii: "}"))
        parser.skipWhitespace()
        guard parser.atEnd else { throw Self.malformed("text after the dict") }

        guard case .string(let descr)? = entries["descr"] else {
            throw Self.malformed(entries["descr"] == nil ? "no 'descr'" : "descr is not a simple dtype string")
        }
        guard case .boolean(let fortranOrder)? = entries["fortran_order"] else {
            throw Self.malformed(entries["fortran_order"] == nil ? "no 'fortran_order'" : "fortran_order is not True or False")
        }
        guard case .tuple(let shape)? = entries["shape"] else {
            throw Self.malformed(entries["shape"] == nil ? "no 'shape'" : "shape is not a tuple")
        }
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    static func malformed(_ problem: String) -> SupermaskError {
        SupermaskError("malformed .npy header: \(problem)")
    }

    /// A value the header's dict may hold.
    private enum Value: Equatable {
        case string(String)
        case boolean(Bool)
        case tuple([Int])
    }

    /// A cursor over the header's bytes.
    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position == bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[position] }

        mutating func advance() { position += 1 }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { advance() }
        }

        mutating func expect(_ byte: UInt8) throws {
            skipWhitespace()
            guard peek == byte else {
                throw NPYHeader.malformed("expected '\(Character(Unicode.Scalar(byte)))' at byte \(position)")
            }
            advance()
        }

        /// A quoted string without escapes (numpy's type strings have none).
        mutating func string() throws -> String {
            skipWhitespace()
            guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw NPYHeader.malformed("expected a quoted key or string at byte \(position)")
            }
            advance()
            let start = position
            while let byte = peek, byte != quote {
                guard byte != UInt8(ascii: "\\"), byte >= 0x20, byte < 0x7F else {
                    throw NPYHeader.malformed("a string holds an escape or a byte outside printable ASCII")
                }
                advance()
            }
            guard !atEnd else { throw NPYHeader.malformed("a string is not closed") }
            advance()
            return String(decoding: bytes[start..<position - 1], as: UTF8.self)
        }

        mutating func value(key: String) throws -> Value {
            skipWhitespace()
            switch peek {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "("):
                return .tuple(try tuple())
            default:
                let start = position
                while let byte = peek, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) { advance() }
                switch String(decoding: bytes[start..<position], as: UTF8.self) {
                case "True": return .boolean(true)
                case "False": return .boolean(false)
                default:
                    if key == "descr" { throw NPYHeader.malformed("descr is not a simple dtype string") }
                    throw NPYHeader.malformed("the value of '\(key.escapedForDisplay())' is not a string, True, False or a tuple")
                }
            }
        }

        /// `()`, `(n,)`, `(n, m)`, `(n, m,)`: a tuple of integers as Python writes one.
        mutating func tuple() throws -> [Int] {
            try expect(UInt8(ascii: "("))
            var values: [Int] = []
            var sawComma = false
            while true {
                skipWhitespace()
                if peek == UInt8(ascii: ")") { break }
                guard values.count < NPYHeader.maximumRank else {
                    throw NPYHeader.malformed("shape has more than \(NPYHeader.maximumRank) dimensions")
                }
                values.append(try integer())
                skipWhitespace()
                sawComma = peek == UInt8(ascii: ",")
                if sawComma { advance() } else { break }
            }
            try expect(UInt8(ascii: ")"))
            // `(3)` is the integer 3 in Python, not a tuple.
            guard values.count != 1 || sawComma else { throw NPYHeader.malformed("shape is not a tuple") }
            return values
        }

        /// A decimal integer, optionally negative (refused later with the whole shape); no leading zeros, as Python.
        mutating func integer() throws -> Int {
            let negative = peek == UInt8(ascii: "-")
            if negative { advance() }
            let start = position
            var value = 0
            while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, carry) = product.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                guard !overflow, !carry else { throw NPYHeader.malformed("a shape entry is too large") }
                value = sum
                advance()
            }
            let digits = position - start
            guard digits > 0 else { throw NPYHeader.malformed("a shape entry is not an integer") }
            guard digits == 1 || bytes[start] != UInt8(ascii: "0") else {
                throw NPYHeader.malformed("a shape entry has a leading zero")
            }
            return negative ? -value : value
        }
    }
}
